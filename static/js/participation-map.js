// Draws the small maps of taking part (a participant's meeting point, the recap of cities)
// from data attributes: the CSP allows no inline script; static/js/maps.js makes the map.
// Labels are set as text, never as HTML, since city names are typed by organizers.
(function () {
  "use strict";
  if (!window.L || !window.AlloutMaps) return;

  function label(text) {
    var span = document.createElement("span");
    span.textContent = text;
    return span;
  }

  document.querySelectorAll("[data-map-points]").forEach(function (el) {
    // Each point: [lat, lng, label, events or null, turnout or null].
    var points = JSON.parse(el.getAttribute("data-map-points") || "[]");
    // A participant's map takes the event page's view ({% public_map_view %}): the same
    // centre, zoom and zoom limit, so the tile server is asked for no tighter area.
    var view = el.dataset.zoom ? el.dataset : null;
    var map = AlloutMaps.create(el, view && view.maxZoom ? { maxZoom: Number(view.maxZoom) } : {});
    if (view && view.areaM) {
      L.circle([Number(view.lat), Number(view.lng)], { radius: Number(view.areaM), weight: 1 }).addTo(map);
    }
    var layer = L.featureGroup().addTo(map);
    points.forEach(function (p) {
      var turnout = p[4] || 0;
      L.circleMarker([p[0], p[1]], {
        radius: Math.min(7 + Math.sqrt(turnout) / 2, 22),
        color: "#3f1c5e",
        weight: 2,
        fillColor: "#8a3fb5",
        fillOpacity: 0.7,
      })
        .bindTooltip(label(p[2]))
        .addTo(layer);
    });
    if (view) {
      map.setView([Number(view.lat), Number(view.lng)], Number(view.zoom));
    } else if (points.length === 1) {
      map.setView([points[0][0], points[0][1]], Number(el.getAttribute("data-map-zoom")) || 14);
    } else if (points.length > 1) {
      map.fitBounds(layer.getBounds(), { padding: [24, 24], maxZoom: 8 });
    } else {
      map.setView([30, 10], 2);
    }
  });
})();
