// For partner sites: load it with <script src> from the platform, after a widget's <iframe>
// (the petition's sign widget, the events map), and the frame takes the height of the widget
// inside it (embed.js reports it). Only messages from the platform's origin (where this script
// came from), sent by one of this page's frames that points at a widget of ours and naming
// that same widget, resize anything: another frame or script on the page cannot use it to
// resize or hide a widget.
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || !window.URL) return;
  var origin = new URL(script.src, document.baseURI).origin;
  // The widgets' paths, with or without a language prefix (/ru/, /pt-br/), and the name each
  // gives itself in its messages (embed.js: <body data-embed>).
  var LANGUAGE = "(?:/[a-z]{2}(?:-[a-z]{2})?)?";
  var WIDGETS = [
    { path: new RegExp("^" + LANGUAGE + "/petitions/([^/]+)/embed/$"),
      name: function (match) { return "petition:" + decodeURIComponent(match[1]); } },
    { path: new RegExp("^" + LANGUAGE + "/events/embed/map/$"),
      name: function () { return "events-map"; } }
  ];
  var MAX_HEIGHT = 20000; // a bound on what a message may ask for

  // The name of the widget a frame's address points at, if it is one of ours.
  function widgetAt(src) {
    var url = new URL(src, document.baseURI);
    if (url.origin !== origin) return null;
    for (var i = 0; i < WIDGETS.length; i++) {
      var match = WIDGETS[i].path.exec(url.pathname);
      if (match) return WIDGETS[i].name(match);
    }
    return null;
  }

  // The <iframe> whose window is `source`, if it points at a widget of ours, with its name.
  function widgetFrame(source) {
    var frames = document.getElementsByTagName("iframe");
    for (var i = 0; i < frames.length; i++) {
      if (frames[i].contentWindow !== source) continue;
      var name = widgetAt(frames[i].src);
      return name ? { frame: frames[i], name: name } : null;
    }
    return null;
  }

  window.addEventListener("message", function (event) {
    if (event.origin !== origin) return;
    var data = event.data;
    if (!data || data.type !== "allout:embed-height") return;
    var height = Math.ceil(Number(data.height));
    if (!(height > 0 && height <= MAX_HEIGHT)) return;
    var widget = widgetFrame(event.source);
    if (!widget || widget.name !== data.widget) return;
    widget.frame.style.boxSizing = "content-box"; // the height is the frame's inside
    widget.frame.style.height = height + "px";
  });

  // A widget that loaded before this script ran reported to nobody: ask them all again.
  var frames = document.getElementsByTagName("iframe");
  for (var i = 0; i < frames.length; i++) {
    if (frames[i].contentWindow && widgetFrame(frames[i].contentWindow)) {
      frames[i].contentWindow.postMessage({ type: "allout:embed-measure" }, origin);
    }
  }
})();
