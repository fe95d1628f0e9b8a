// The event page: its map (an area circle when the exact point is hidden) and the
// "copy the link" button.
(function () {
  "use strict";

  var element = document.getElementById("event-map");
  if (element && window.L && window.AlloutMaps) {
    // Centre, zoom and area come from {% public_map_view %}, as on a participant's page.
    var data = element.dataset;
    var point = L.latLng(Number(data.lat), Number(data.lng));
    var options = { center: point, zoom: Number(data.zoom) };
    if (data.maxZoom) options.maxZoom = Number(data.maxZoom);
    var map = AlloutMaps.create(element, options);
    if (data.areaM) {
      // The public point is itself up to a kilometre off: show an area, not a pin.
      L.circle(point, { radius: Number(data.areaM), weight: 1 }).addTo(map);
    } else {
      L.marker(point, { keyboard: false, alt: gettext("The meeting point") }).addTo(map);
    }
  }

  document.querySelectorAll("button[data-copy]").forEach(function (button) {
    var input = document.getElementById(button.dataset.copy);
    if (!input || !navigator.clipboard) return;
    button.hidden = false;
    var label = button.textContent;
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(input.value).then(function () {
        button.textContent = gettext("Copied");
        setTimeout(function () { button.textContent = label; }, 2000);
      });
    });
  });
})();
