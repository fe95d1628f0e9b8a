// The event finder's map (/events/ and the home page preview) and its "use my location".
//
// Everything comes from data- attributes written by the server (the Content-Security-Policy
// forbids inline scripts): the GeoJSON URL, the tile server (none when empty), the filters
// the list applies, the searched place; the map itself is made by static/js/maps.js. The list
// and the search form are plain HTML and work without this script; it only adds the map and
// the browser's location.
(function () {
  "use strict";

  // Short property names of /events/map.geojson (events/mapdata.py).
  var LINK = "u", TITLE = "t", CITY = "c", KIND = "k", STARTS = "d";

  function number(value) {
    var parsed = parseFloat(value);
    return isFinite(parsed) ? parsed : null;
  }

  // "2027-03-16T18:30+01:00" -> "Tue 16 Mar 2027, 18:30": the event's own wall-clock time,
  // never converted to the visitor's time zone. English dates are written the British way,
  // as the list beside the map writes them.
  function localTime(iso, lang) {
    var date = new Date(Date.UTC(+iso.slice(0, 4), +iso.slice(5, 7) - 1, +iso.slice(8, 10)));
    var day = new Intl.DateTimeFormat(lang === "en" ? "en-GB" : lang || undefined, {
      weekday: "short", day: "numeric", month: "short", year: "numeric", timeZone: "UTC"
    }).format(date);
    return day + ", " + iso.slice(11, 16);
  }

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text) node.textContent = text;  // textContent: titles are organizers' words, never HTML
    return node;
  }

  function popupContent(properties, texts, lang) {
    var eventUrl = properties[LINK];
    var box = element("div", "finder-popup");
    var title = element("a", "finder-popup-title", properties[TITLE]);
    title.href = eventUrl;
    box.appendChild(title);
    box.appendChild(element("p", "", properties[CITY]));
    box.appendChild(element("p", "", localTime(properties[STARTS], lang) + " (" + texts.localTime + ")"));
    var open = element("a", "finder-popup-open", texts.open);
    open.href = eventUrl;
    box.appendChild(open);
    return box;
  }

  function markerIcon(kind) {
    return L.divIcon({
      className: "finder-marker finder-marker-" + kind,
      iconSize: [18, 18],
      iconAnchor: [9, 9],
      popupAnchor: [0, -9]
    });
  }

  // Leaflet.markercluster's own icon, with a name for screen readers: its number alone
  // would be read as "3, button".
  function clusterIcon(cluster) {
    var count = cluster.getChildCount();
    var size = count < 10 ? "small" : count < 100 ? "medium" : "large";
    var inner = element("div");
    var shown = element("span", "", String(count));
    shown.setAttribute("aria-hidden", "true");
    inner.appendChild(shown);
    inner.appendChild(element("span", "visually-hidden", interpolate(
      ngettext("%s event here: zoom in to see it", "%s events here: zoom in to see them", count), [count]
    )));
    return L.divIcon({ html: inner, className: "marker-cluster marker-cluster-" + size, iconSize: L.point(40, 40) });
  }

  function initMap(container) {
    var data = container.dataset;
    var preview = "preview" in data;
    var lang = document.documentElement.lang;
    var texts = { open: gettext("Event page"), localTime: gettext("local time") };
    container.hidden = false;
    var legend = container.parentElement.querySelector("[data-map-legend]");
    if (legend) legend.hidden = false;

    // The home page's preview lets the page scroll past it; the finder's own map zooms.
    var map = AlloutMaps.create(container, { minZoom: 1, maxZoom: 18, scrollWheelZoom: !preview })
      .setView([30, 10], 2);

    var origin = null;
    var originLat = number(data.originLat), originLng = number(data.originLng);
    if (originLat !== null && originLng !== null) {
      origin = L.latLng(originLat, originLng);
      L.circleMarker(origin, { radius: 7, className: "finder-origin" })
        .bindTooltip(data.originLabel)
        .addTo(map);
      var radiusKm = number(data.radiusKm);
      if (radiusKm) {
        L.circle(origin, { radius: radiusKm * 1000, className: "finder-radius", interactive: false })
          .addTo(map);
      }
    }

    var clusters = L.markerClusterGroup({
      animate: !AlloutMaps.reducedMotion(),
      showCoverageOnHover: false,
      maxClusterRadius: 40,
      iconCreateFunction: clusterIcon,
      chunkedLoading: true  // 10,000 markers without freezing the page
    });
    map.addLayer(clusters);

    // The map opens on the searched place and the nearest listed events: those within 15 km,
    // or twice as far as the nearest one, so a lone event far away is still in view.
    function listedBounds() {
      var items = document.querySelectorAll(".finder-item[data-lat]");
      if (!origin || !items.length) return null;
      var bounds = L.latLngBounds([origin]);
      var reach = null;
      for (var i = 0; i < items.length; i++) {
        var point = L.latLng(+items[i].dataset.lat, +items[i].dataset.lng);
        var distance = map.distance(origin, point);
        if (reach === null) reach = Math.max(15000, 2 * distance);
        if (distance > reach) break;
        bounds.extend(point);
      }
      return bounds;
    }

    fetch(data.geojsonUrl, { credentials: "same-origin", headers: { Accept: "application/geo+json" } })
      .then(function (response) {
        if (!response.ok) throw new Error("map.geojson answered " + response.status);
        return response.json();
      })
      .then(function (collection) {
        var markers = [];
        collection.features.forEach(function (feature) {
          var p = feature.properties;
          // The same filters as the list beside the map.
          if (data.day && p[STARTS].slice(0, 10) !== data.day) return;
          if (data.kind && p[KIND] !== data.kind) return;
          var coordinates = feature.geometry.coordinates;
          var marker = L.marker([coordinates[1], coordinates[0]], {
            icon: markerIcon(p[KIND]),
            title: p[TITLE],
            alt: p[TITLE],
            riseOnHover: true
          });
          marker.bindPopup(popupContent(p, texts, lang));
          markers.push(marker);
        });
        clusters.addLayers(markers);
        container.dataset.markers = String(markers.length);  // for tests and curious readers

        // The first view appears at once; only later moves are animated.
        var bounds = listedBounds();
        if (bounds) {
          map.fitBounds(bounds.pad(0.3), { maxZoom: 13, animate: false });
        } else if (origin) {
          map.setView(origin, 10, { animate: false });
        } else if (markers.length) {
          map.fitBounds(clusters.getBounds().pad(0.1), { maxZoom: 5, animate: false });
        }
        container.dataset.ready = "true";
      })
      .catch(function (error) {
        container.dataset.ready = "error";
        if (window.console) console.warn("The event map could not load:", error);
      });
  }

  // "Use my location": the browser asks for permission only when this button is pressed.
  // The point goes to the server rounded to about a kilometre, which is plenty to find a
  // protest and keeps a precise location out of URLs, history and logs.
  function initLocate(button) {
    if (!("geolocation" in navigator)) return;
    var form = button.form;
    var status = form.querySelector("[data-locate-status]");
    button.hidden = false;
    button.addEventListener("click", function () {
      status.textContent = gettext("Finding your location…");
      button.disabled = true;
      navigator.geolocation.getCurrentPosition(
        function (position) {
          var params = new URLSearchParams();
          new FormData(form).forEach(function (value, name) {
            if (value && name !== "q" && name !== "page") params.set(name, value);
          });
          params.set("lat", position.coords.latitude.toFixed(2));
          params.set("lng", position.coords.longitude.toFixed(2));
          window.location.assign(form.action + "?" + params.toString());
        },
        function (error) {
          button.disabled = false;
          status.textContent = error.code === error.PERMISSION_DENIED
            ? gettext("Your browser did not share your location. Type a place instead.")
            : gettext("Your location could not be found. Type a place instead.");
        },
        { enableHighAccuracy: false, timeout: 15000, maximumAge: 600000 }
      );
    });
  }

  var locate = document.querySelector("[data-locate]");
  if (locate) initLocate(locate);
  if (window.L && L.markerClusterGroup && window.AlloutMaps) {
    document.querySelectorAll("[data-finder-map]").forEach(initMap);
  }
})();
