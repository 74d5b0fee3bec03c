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

// The network page: people drawn with Cytoscape.js from the JSON block the page carries (no
// second request, no inline script). Choosing a person or tie shows its details; a double click
// (or the profile link) opens the person's subject profile, which the audit trail records.
document.addEventListener("DOMContentLoaded", function () {
  var element = document.getElementById("network");
  var source = document.getElementById("network-data");
  var panel = document.getElementById("network-detail");
  if (!element || !source || !panel || typeof cytoscape === "undefined") { return; }
  var data = JSON.parse(source.textContent);
  var palette = ["#1b6ca8", "#c0392b", "#2e8b57", "#8e44ad", "#d35400", "#16a085", "#7f8c8d", "#b7950b", "#2c3e50", "#c2185b"];
  var steps = ["#111111", "#c0392b", "#1b6ca8", "#7f8c8d"];
  var most = 0;
  data.nodes.forEach(function (n) { most = Math.max(most, n.data.betweenness || 0); });
  data.nodes.forEach(function (n) {
    var d = n.data;
    d.colour = d.distance !== undefined ? steps[Math.min(d.distance, 3)] : (d.community < palette.length ? palette[d.community] : "#9aa5b1");
    d.size = d.distance === 0 ? 46 : (most > 0 ? 16 + 34 * Math.sqrt((d.betweenness || 0) / most) : 18 + Math.min(d.degree || 0, 20));
    d.ring = d.key_player ? 5 : (d.distance === 0 ? 4 : 1);
  });
  var cy = cytoscape({
    container: element,
    elements: data.nodes.concat(data.edges),
    wheelSensitivity: 0.3,
    style: [
      { selector: "node", style: { "background-color": "data(colour)", "width": "data(size)", "height": "data(size)",
        "border-width": "data(ring)", "border-color": "#111", "label": "data(label)", "font-size": 9,
        "text-valign": "bottom", "text-margin-y": 2, "min-zoomed-font-size": 7 } },
      { selector: "node[distance = 0]", style: { "z-index": 10 } },  // the person asked about, always on top
      { selector: "edge", style: { "width": "mapData(confidence, 0, 1, 0.5, 4)", "line-color": "#9aa5b1",
        "curve-style": "haystack", "opacity": 0.7 } },
      { selector: "edge[kinds *= 'co_offending']", style: { "line-color": "#a4161a" } },
      { selector: ":selected", style: { "overlay-color": "#f1c40f", "overlay-opacity": 0.35, "overlay-padding": 4 } }
    ],
    layout: { name: "cose", animate: false, randomize: true, nodeRepulsion: function () { return 8000; }, idealEdgeLength: function () { return 60; } }
  });
  function row(list, term, value) {
    var dt = document.createElement("dt"); dt.textContent = term; list.appendChild(dt);
    var dd = document.createElement("dd"); dd.textContent = value; list.appendChild(dd);  // textContent: data never becomes markup
    return dd;
  }
  function link(parent, text, href) {
    var a = document.createElement("a"); a.textContent = text; a.href = href; parent.appendChild(a);
    parent.appendChild(document.createTextNode(" "));
  }
  function profile(id) { return element.dataset.profile.replace("{id}", encodeURIComponent(id)); }
  function show(target) {
    var d = target.data();
    panel.replaceChildren();
    var head = document.createElement("h3");
    var list = document.createElement("dl");
    if (target.isNode()) {
      head.textContent = d.label;
      panel.append(head, list);
      row(list, "Record", d.id);
      if (d.community !== undefined) { row(list, "Group", String(d.community)); }
      if (d.distance !== undefined) { row(list, "Steps from the person", String(d.distance)); }
      row(list, "Associates shown", String(target.degree()));
      if (d.betweenness !== undefined) { row(list, "Betweenness", d.betweenness.toFixed(4)); }
      if (d.key_player) { row(list, "Key player", "removing them fragments their group most"); }
      var links = document.createElement("p");
      link(links, "Open profile", profile(d.id));
      link(links, "Their associates", element.dataset.centre.replace("{id}", encodeURIComponent(d.id)));
      panel.appendChild(links);
    } else {
      head.textContent = "Association";
      panel.append(head, list);
      row(list, "Between", cy.getElementById(d.source).data("label") + " and " + cy.getElementById(d.target).data("label"));
      row(list, "Evidence kinds", d.kinds.split(";").join(", ").replace(/_/g, " "));
      row(list, "Items of evidence", String(d.records));
      row(list, "Strength", String(d.weight));
      row(list, "Confidence", d.confidence.toFixed(2));
      row(list, "Seen", (d.first_seen || "?").slice(0, 10) + " to " + (d.last_seen || "?").slice(0, 10));
      if (d.evidence) { row(list, "Records", d.evidence.split(";").join(", ")); }
    }
  }
  cy.on("tap", "node, edge", function (event) { show(event.target); });
  cy.on("dbltap", "node", function (event) { window.location.assign(profile(event.target.id())); });
  element.setAttribute("data-drawn", String(cy.nodes().length));
});

// Public portal: quick exit (a button, or Esc twice) leaves at once, wipes the saved draft and
// replaces this page in the history so Back does not return to it.
(function () {
  var DRAFT = "peelian.report.draft";
  function quickExit(target) {
    // Empty the page first: removing a focused field fires its "change", and the autosave would
    // write the draft back after it was wiped (Esc twice while typing).
    document.body.replaceChildren();
    try { window.localStorage.removeItem(DRAFT); window.sessionStorage.clear(); } catch (e) { /* storage may be off */ }
    window.location.replace(target);
  }
  document.addEventListener("DOMContentLoaded", function () {
    var exit = document.getElementById("quick-exit");
    if (!exit) { return; }
    exit.addEventListener("click", function (event) { event.preventDefault(); quickExit(exit.dataset.exit); });
    var last = 0;
    document.addEventListener("keydown", function (event) {
      if (event.key !== "Escape") { return; }
      var now = Date.now();
      if (now - last < 1000) { quickExit(exit.dataset.exit); }
      last = now;
    });
    if (document.querySelector("[data-clear-draft]")) {
      try { window.localStorage.removeItem(DRAFT); } catch (e) { /* storage may be off */ }
    }
  });

  // The report form: questions follow the answers (the 999 interrupt, the sections for this kind
  // of crime), and the answers are saved in this browser only as they are typed, to resume later.
  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("report-form");
    if (!form) { return; }
    var rest = document.getElementById("rest");
    var interrupt = document.getElementById("interrupt");
    var category = document.getElementById("category");
    function branch() {
      var danger = form.querySelector("input[data-danger]:checked") !== null;
      interrupt.hidden = !danger;
      rest.hidden = danger;
      form.querySelectorAll("fieldset[data-for]").forEach(function (section) {
        section.hidden = section.dataset.for.split(" ").indexOf(category.value) < 0;
      });
    }
    function fields() {
      return Array.prototype.filter.call(form.elements, function (el) {
        return el.name && el.type !== "file" && el.type !== "hidden" && el.name !== "website";
      });
    }
    function save() {
      var draft = {};
      fields().forEach(function (el) {
        if (el.type === "radio" || el.type === "checkbox") { if (el.checked) { draft[el.name] = el.value; } }
        else if (el.value) { draft[el.name] = el.value; }
      });
      try { window.localStorage.setItem(DRAFT, JSON.stringify({ saved: Date.now(), answers: draft })); } catch (e) { /* storage may be off */ }
    }
    function restore(answers) {
      fields().forEach(function (el) {
        if (!(el.name in answers)) { return; }
        if (el.type === "radio" || el.type === "checkbox") { el.checked = answers[el.name] === el.value; }
        else { el.value = answers[el.name]; }
      });
      branch();
    }
    var stored = null;
    try { stored = JSON.parse(window.localStorage.getItem(DRAFT) || "null"); } catch (e) { stored = null; }
    var offer = document.getElementById("draft");
    if (stored && stored.answers && Object.keys(stored.answers).length && !document.getElementById("form-error")) {
      offer.hidden = false;
      document.getElementById("draft-resume").addEventListener("click", function () { restore(stored.answers); offer.hidden = true; });
      document.getElementById("draft-discard").addEventListener("click", function () {
        try { window.localStorage.removeItem(DRAFT); } catch (e) { /* storage may be off */ }
        offer.hidden = true;
      });
    }
    form.addEventListener("input", save);
    form.addEventListener("change", function () { branch(); save(); });
    branch();

    var pick = document.getElementById("report-map");
    if (pick && typeof L !== "undefined") {
      var map = L.map(pick).setView([51.5, -0.12], 11);
      L.tileLayer(pick.dataset.tiles, { maxZoom: 19, attribution: "Map tiles as configured" }).addTo(map);
      var marker = null;
      map.on("click", function (event) {
        document.getElementById("lat").value = event.latlng.lat.toFixed(6);
        document.getElementById("lon").value = event.latlng.lng.toFixed(6);
        marker = marker ? marker.setLatLng(event.latlng) : L.marker(event.latlng).addTo(map);
        save();
      });
    }
  });
})();

// The officer's job map: their unit, the incident and the way between (by road when the force
// has loaded a road network, else the straight line); a configured tile server adds streets.
document.addEventListener("DOMContentLoaded", function () {
  var element = document.getElementById("job-map");
  var source = document.getElementById("job-route");
  if (!element || !source || typeof L === "undefined") { return; }
  var route = JSON.parse(source.textContent).map(function (p) { return L.latLng(p[1], p[0]); });
  var unit = route[0], incident = route[route.length - 1];
  var map = L.map(element, { preferCanvas: true });
  if (element.dataset.tiles) {
    L.tileLayer(element.dataset.tiles, { maxZoom: 19, attribution: "Map tiles as configured" }).addTo(map);
  }
  L.polyline(route, { color: "#1b6ca8", dashArray: "6 6" }).addTo(map);
  L.circleMarker(incident, { radius: 9, color: "#b00020", fillOpacity: 0.8 }).addTo(map);
  L.circleMarker(unit, { radius: 7, color: "#1b6ca8", fillOpacity: 0.8 }).addTo(map);
  map.fitBounds(L.latLngBounds(route).pad(0.3));
  element.setAttribute("data-drawn", "true");
});
