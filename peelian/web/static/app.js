// Maps: boundaries from the store are always drawn, so the map works on networks with no tile
// server; a configured tile URL adds a street map beneath them. No inline script anywhere (CSP).
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll(".map").forEach(function (element) {
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
