// The organizer's event form: show the part for the chosen kind, fill the place from the
// embassy directory, find a city to centre the map, and pick the meeting point by clicking.
// Everything also works without this script (see events/forms.py).
(function () {
  "use strict";

  var form = document.querySelector("form.event-form");
  if (!form || !window.L || !window.AlloutMaps) return;

  var fields = form.elements;
  var mapElement = document.getElementById("map-picker");
  var results = document.getElementById("place-results");
  var warning = document.getElementById("place-warning");
  var sections = form.querySelectorAll("[data-kind-section]");
  var placesUrl = form.dataset.placesUrl;
  var demandUrl = form.dataset.demandUrl;
  var demand = document.getElementById("demand-count");

  mapElement.hidden = false;
  form.querySelectorAll(".map-hint").forEach(function (hint) { hint.hidden = false; });
  var map = AlloutMaps.create(mapElement, { center: [30, 10], zoom: 2 });
  var marker = null;

  function kind() {
    var checked = form.querySelector('input[name="kind"]:checked');
    return checked ? checked.value : "";
  }

  function placeMarker(latlng, zoom) {
    if (marker) {
      marker.setLatLng(latlng);
    } else {
      marker = L.marker(latlng, { draggable: true, alt: gettext("The meeting point") }).addTo(map);
      marker.on("dragend", function () { writeCoordinates(marker.getLatLng()); });
    }
    if (kind() === "embassy") marker.dragging.disable(); else marker.dragging.enable();
    if (zoom) map.setView(latlng, zoom); else map.panTo(latlng);
  }

  // How many people near the point asked to hear about protests (a count, only from 10 up).
  function showDemand(latlng) {
    if (!demand || !demandUrl) return;
    var query = "?lat=" + latlng.lat.toFixed(4) + "&lng=" + latlng.lng.toFixed(4) +
      "&place=" + encodeURIComponent(fields.city.value || "");
    fetch(demandUrl + query, { headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : { text: "" }; })
      .then(function (answer) { demand.textContent = answer.text; demand.hidden = !answer.text; })
      .catch(function () { demand.hidden = true; });
  }

  function writeCoordinates(latlng) {
    fields.latitude.value = latlng.lat.toFixed(6);
    fields.longitude.value = latlng.lng.toFixed(6);
    showDemand(latlng);
  }

  function fillFromEmbassy() {
    var option = fields.embassy.options[fields.embassy.selectedIndex];
    if (!option || !option.dataset.lat) return;
    fields.city.value = option.dataset.city;
    fields.country.value = option.dataset.country;
    fields.address.value = option.dataset.address;
    placeMarker(L.latLng(Number(option.dataset.lat), Number(option.dataset.lng)), 16);
  }

  function showKind() {
    var chosen = kind();
    sections.forEach(function (section) {
      section.hidden = chosen !== "" && section.dataset.kindSection !== chosen;
    });
    // The directory decides an embassy's place; the server takes it from there too.
    fields.city.readOnly = fields.address.readOnly = chosen === "embassy";
    // An embassy's address is public: its point cannot be hidden. Disabled, the box is not
    // sent (so the server does not refuse a choice the person cannot see) and keeps its tick
    // for a switch back to a public place.
    fields.hide_exact_location.disabled = chosen === "embassy";
    if (chosen === "embassy") fillFromEmbassy();
    else if (marker) marker.dragging.enable();
    map.invalidateSize();
  }

  // --- City search (type-ahead over /events/places.json) -----------------------------
  var pending = null;
  var lastResults = [];

  function choose(place) {
    fields.city.value = place.name;
    fields.country.value = place.country;
    placeMarker(L.latLng(place.lat, place.lng), 13);
    writeCoordinates(L.latLng(place.lat, place.lng));
    fields.place_search.value = place.label;
    warning.hidden = !place.high_risk;
    results.hidden = true;
    results.replaceChildren();
  }

  function showResults(places) {
    lastResults = places;
    results.replaceChildren();
    places.forEach(function (place) {
      var item = document.createElement("li");
      var button = document.createElement("button");
      button.type = "button";
      button.className = "place-result";
      button.textContent = place.label;
      button.addEventListener("click", function () { choose(place); });
      item.appendChild(button);
      results.appendChild(item);
    });
    results.hidden = places.length === 0;
  }

  function lookUp() {
    var text = fields.place_search.value.trim();
    if (text.length < 2) { showResults([]); return; }
    fetch(placesUrl + "?q=" + encodeURIComponent(text), { headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : []; })
      .then(function (places) { if (fields.place_search.value.trim() === text) showResults(places); })
      .catch(function () { showResults([]); });
  }

  fields.place_search.setAttribute("autocomplete", "off");
  fields.place_search.addEventListener("input", function () {
    clearTimeout(pending);
    pending = setTimeout(lookUp, 150);
  });
  fields.place_search.addEventListener("keydown", function (event) {
    // Enter picks the first city instead of submitting the whole form.
    if (event.key !== "Enter") return;
    event.preventDefault();
    if (lastResults.length) choose(lastResults[0]);
  });

  // --- Map and coordinates --------------------------------------------------------------
  map.on("click", function (event) {
    if (kind() === "embassy") return;
    placeMarker(event.latlng);
    writeCoordinates(event.latlng);
  });

  function coordinatesTyped() {
    var lat = parseFloat(fields.latitude.value);
    var lng = parseFloat(fields.longitude.value);
    if (isFinite(lat) && isFinite(lng)) placeMarker(L.latLng(lat, lng), Math.max(map.getZoom(), 13));
  }
  fields.latitude.addEventListener("change", coordinatesTyped);
  fields.longitude.addEventListener("change", coordinatesTyped);

  form.querySelectorAll('input[name="kind"]').forEach(function (radio) {
    radio.addEventListener("change", showKind);
  });
  fields.embassy.addEventListener("change", fillFromEmbassy);

  showKind();
  if (kind() !== "embassy" && fields.latitude.value && fields.longitude.value) {
    placeMarker(L.latLng(Number(fields.latitude.value), Number(fields.longitude.value)), 15);
  }
})();
