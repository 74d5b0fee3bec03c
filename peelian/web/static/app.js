// Maps: boundaries from the store are always drawn, so the map works on networks with no tile
// server; a configured tile URL adds a street map beneath them. No inline script anywhere (CSP).
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll(".map[data-events]").forEach(function (element) {
    if (typeof L === "undefined") { return; }
    var map = L.map(element, { preferCanvas: true }).setView([51.5, -0.12], 11);
    if (element.dataset.tiles) {
      L.tileLayer(element.dataset.tiles, { maxZoom: 19, attribution: "Map tiles as configured" }).addTo(map);
    }
    function load(url) {
      return fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (response) { return response.ok ? response.json() : null; });
    }
    var layers = [];
    Promise.all([load(element.dataset.areas), load(element.dataset.events)]).then(function (data) {
      var areas = data[0], events = data[1];
      if (areas && areas.features.length) {
        layers.push(L.geoJSON(areas, { style: { color: "#5b6b7a", weight: 1, fillOpacity: 0.05 } }).addTo(map));
      }
      if (events && events.features.length) {
        layers.push(L.geoJSON(events, {
          pointToLayer: function (feature, latlng) {
            return L.circleMarker(latlng, { radius: 4, color: "#a4161a", weight: 1, fillOpacity: 0.6 });
          },
          onEachFeature: function (feature, layer) {
            var p = feature.properties;
            var text = document.createElement("div");  // textContent: data never becomes markup
            text.textContent = p.category + " · " + p.when.slice(0, 10) + " · " + (p.where || "");
            layer.bindPopup(text);
          }
        }).addTo(map));
      }
      var bounds = null;
      layers.forEach(function (layer) { var b = layer.getBounds(); if (b.isValid()) { bounds = bounds ? bounds.extend(b) : b; } });
      if (bounds) { map.fitBounds(bounds, { padding: [10, 10] }); }
      element.setAttribute("data-loaded", String(events ? events.shown : 0));
    });
  });
});

// The forecast map: flagged cells shaded by expected crimes, patrol areas outlined; choosing a
// cell (on the map, or its button in the table) shows why it is flagged and its latest crimes.
document.addEventListener("DOMContentLoaded", function () {
  var element = document.getElementById("forecast-map");
  var panel = document.getElementById("cell-detail");
  if (!element || !panel) { return; }
  function load(url) {
    return fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; });
  }
  function add(parent, tag, text) {
    var node = document.createElement(tag);
    if (text !== undefined) { node.textContent = text; }  // textContent: data never becomes markup
    parent.appendChild(node);
    return node;
  }
  function show(cell) {
    panel.setAttribute("aria-busy", "true");
    load(element.dataset.cell.replace("{cell}", String(cell))).then(function (d) {
      panel.replaceChildren();
      panel.removeAttribute("aria-busy");
      if (!d) { add(panel, "p", "This cell could not be loaded."); return; }
      add(panel, "h2", "Cell " + d.cell + " (rank " + d.rank + ")");
      add(panel, "p", "Expected crimes: " + d.expected_crimes.toFixed(2) + (d.flagged ? " · flagged" : ""));
      add(panel, "p", "Why: " + d.why);
      add(panel, "p", "Recorded here: " + d.recorded.last_period.toFixed(1) + " in the last period, " +
        d.recorded.last_year.toFixed(1) + " in the last " + d.recorded.periods_in_year + ".");
      add(panel, "h3", "Latest crimes here");
      if (!d.recent_crimes.length) { add(panel, "p", "None in that time."); return; }
      var list = add(panel, "ul");
      d.recent_crimes.forEach(function (e) {
        add(list, "li", e.time_from.slice(0, 10) + " · " + e.category + " · " + (e.location_text || "") +
          (e.outcome ? " · " + e.outcome : ""));
      });
    });
  }
  document.querySelectorAll(".cell-link").forEach(function (button) {
    button.addEventListener("click", function () { show(button.dataset.cell); });
  });
  if (typeof L === "undefined") { return; }
  var map = L.map(element, { preferCanvas: true }).setView([51.5, -0.12], 11);
  if (element.dataset.tiles) {
    L.tileLayer(element.dataset.tiles, { maxZoom: 19, attribution: "Map tiles as configured" }).addTo(map);
  }
  Promise.all([load(element.dataset.areas), load(element.dataset.forecast)]).then(function (data) {
    var areas = data[0], forecast = data[1];
    if (areas && areas.features.length) {
      L.geoJSON(areas, { style: { color: "#5b6b7a", weight: 1, fillOpacity: 0.03 } }).addTo(map);
    }
    if (!forecast) { element.setAttribute("data-loaded", "failed"); return; }
    var cells = forecast.features.filter(function (f) { return f.properties.kind === "cell"; });
    var top = cells.reduce(function (m, f) { return Math.max(m, f.properties.expected_crimes); }, 0) || 1;
    var layer = L.geoJSON({ type: "FeatureCollection", features: cells }, {
      style: function (f) {
        var share = f.properties.expected_crimes / top;
        return { color: "#7f0000", weight: 0.5, fillColor: "#d7301f", fillOpacity: 0.15 + 0.65 * share };
      },
      onEachFeature: function (f, cellLayer) {
        cellLayer.on("click", function () { show(f.properties.cell); });
      }
    }).addTo(map);
    var outlines = forecast.features.filter(function (f) { return f.properties.kind === "patrol_area"; });
    L.geoJSON({ type: "FeatureCollection", features: outlines }, {
      style: { color: "#08306b", weight: 2, fill: false },
      interactive: false
    }).addTo(map);
    if (layer.getBounds().isValid()) { map.fitBounds(layer.getBounds(), { padding: [10, 10] }); }
    element.setAttribute("data-loaded", String(cells.length));
  });
});

// The subject profile's map: the places of their events, embedded in the page as GeoJSON.
document.addEventListener("DOMContentLoaded", function () {
  var element = document.getElementById("profile-map");
  var data = document.getElementById("profile-places");
  if (!element || !data || typeof L === "undefined") { return; }
  var places = JSON.parse(data.textContent);
  var map = L.map(element, { preferCanvas: true }).setView([51.5, -0.12], 11);
  if (element.dataset.tiles) {
    L.tileLayer(element.dataset.tiles, { maxZoom: 19, attribution: "Map tiles as configured" }).addTo(map);
  }
  var layer = L.geoJSON(places, {
    pointToLayer: function (feature, latlng) { return L.circleMarker(latlng, { radius: 6 }); },
    onEachFeature: function (feature, marker) {
      var p = feature.properties;
      marker.bindPopup(document.createTextNode(p.when + ": " + p.label + (p.location ? ", " + p.location : "")));
    }
  }).addTo(map);
  if (layer.getBounds().isValid()) { map.fitBounds(layer.getBounds().pad(0.2), { maxZoom: 15 }); }
  element.dataset.drawn = String(places.features.length);
});

// A crime series' map: its crimes, embedded in the page as GeoJSON, numbered in time order and
// joined by a faint line in that order; solved crimes (offender known) are drawn in red.
document.addEventListener("DOMContentLoaded", function () {
  var element = document.getElementById("series-map");
  var data = document.getElementById("series-crimes");
  if (!element || !data || typeof L === "undefined") { return; }
  var crimes = JSON.parse(data.textContent);
  var map = L.map(element).setView([51.5, -0.12], 11);
  if (element.dataset.tiles) {
    L.tileLayer(element.dataset.tiles, { maxZoom: 19, attribution: "Map tiles as configured" }).addTo(map);
  }
  var ordered = crimes.features.slice().sort(function (a, b) { return a.properties.number - b.properties.number; });
  if (ordered.length > 1) {
    L.polyline(ordered.map(function (f) { return [f.geometry.coordinates[1], f.geometry.coordinates[0]]; }), {
      color: "#5b6b7a", weight: 1.5, dashArray: "4 4", interactive: false, className: "series-route"
    }).addTo(map);
  }
  var layer = L.geoJSON(crimes, {
    pointToLayer: function (feature, latlng) {
      var solved = feature.properties.solved;
      return L.circleMarker(latlng, {
        radius: 8, weight: 2, fillOpacity: 0.7, className: "series-crime",
        color: solved ? "#7a0f12" : "#0b4f8a", fillColor: solved ? "#a4161a" : "#3a7bbf"
      });
    },
    onEachFeature: function (feature, marker) {
      var p = feature.properties;
      marker.bindTooltip(String(p.number), { permanent: true, direction: "center", className: "series-number" });
      // textContent: data never becomes markup
      marker.bindPopup(document.createTextNode("#" + p.number + " " + p.reference + " · " + p.when +
        (p.place ? " · " + p.place : "") + (p.solved ? " · solved" : "")));
    }
  }).addTo(map);
  if (layer.getBounds().isValid()) { map.fitBounds(layer.getBounds().pad(0.2), { maxZoom: 16 }); }
  element.dataset.drawn = String(crimes.features.length);
});
