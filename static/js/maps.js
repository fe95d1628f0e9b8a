// The one way this site makes a Leaflet map: AlloutMaps.create(element, options).
//
// Everything the server decides comes from data- attributes (the CSP allows no inline
// script): the tile server from settings.MAP_TILES_URL, written by {% map_tiles_attrs %}.
// When it is empty no tiles are drawn and the map shows only its markers. The options are
// Leaflet's own and win over these defaults. Load this after leaflet.js and before the
// page's script.
(function () {
  "use strict";

  // Visitors who asked their system for less motion get maps that do not glide or fade.
  function reducedMotion() {
    return window.matchMedia("(prefers-reduced-motion: reduce)").matches;
  }

  function create(element, options) {
    var still = reducedMotion();
    var map = L.map(element, Object.assign({
      zoomControl: false,      // added below, its buttons named in the page's language
      scrollWheelZoom: false,  // a page scrolls past a map rather than zooming it
      worldCopyJump: true,     // markers stay in view when the world is panned round
      zoomAnimation: !still,
      fadeAnimation: !still,
      markerZoomAnimation: !still
    }, options || {}));
    L.control.zoom({ zoomInTitle: gettext("Zoom in"), zoomOutTitle: gettext("Zoom out") }).addTo(map);
    var url = element.dataset.tilesUrl;
    if (url) {
      L.tileLayer(url, { attribution: element.dataset.tilesAttribution || "", maxZoom: 19 }).addTo(map);
    }
    return map;
  }

  window.AlloutMaps = { create: create, reducedMotion: reducedMotion };
})();
