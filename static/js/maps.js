// Leaflet maps configured from data- attributes (the CSP allows no inline script).
// The tile server comes from settings.MAP_TILES_URL; when it is empty no tiles are drawn
// and the map shows only its markers.
(function () {
  "use strict";

  function create(element, options) {
    var map = L.map(element, Object.assign({ scrollWheelZoom: false }, options || {}));
    var url = element.getAttribute("data-tiles-url");
    if (url) {
      L.tileLayer(url, {
        attribution: element.getAttribute("data-tiles-attribution") || "",
        maxZoom: 19,
      }).addTo(map);
    }
    return map;
  }

  window.AlloutMaps = { create: create };
})();
