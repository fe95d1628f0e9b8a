// The event page: its map (an area circle when the exact point is hidden) and the
// "copy the link" button.
(function () {
  "use strict";

  var element = document.getElementById("event-map");
  if (element && window.L && window.AlloutMaps) {
    var point = L.latLng(Number(element.dataset.lat), Number(element.dataset.lng));
    var approximate = element.dataset.approximate === "true";
    var map = AlloutMaps.create(element, { center: point, zoom: approximate ? 14 : 16 });
    if (approximate) {
      // The public point is itself a few hundred metres off: show an area, not a pin.
      L.circle(point, { radius: 700, weight: 1 }).addTo(map);
    } else {
      L.marker(point, { keyboard: false }).addTo(map);
    }
  }

  document.querySelectorAll("button[data-copy]").forEach(function (button) {
    var input = document.getElementById(button.dataset.copy);
    if (!input || !navigator.clipboard) return;
    button.hidden = false;
    var label = button.textContent;
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(input.value).then(function () {
        button.textContent = button.dataset.copied || "✓";
        setTimeout(function () { button.textContent = label; }, 2000);
      });
    });
  });
})();
