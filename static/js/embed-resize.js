// For partner sites: load it with <script src> from the platform, after the petition's
// <iframe>, and the frame takes the height of the sign widget inside it (embed.js reports it).
// Only messages from the platform's origin (where this script came from), sent by one of this
// page's frames that shows a petition widget of ours, resize anything: another frame or
// script on the page cannot use it to resize or hide the widget.
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || !window.URL) return;
  var origin = new URL(script.src, document.baseURI).origin;
  var EMBED_PATH = /^\/petitions\/([^/]+)\/embed\/$/;
  var MAX_HEIGHT = 20000; // a bound on what a message may ask for

  // The <iframe> whose window is `source`, if it points at a widget of ours, with its slug.
  function widgetFrame(source) {
    var frames = document.getElementsByTagName("iframe");
    for (var i = 0; i < frames.length; i++) {
      if (frames[i].contentWindow !== source) continue;
      var url = new URL(frames[i].src, document.baseURI);
      var match = url.origin === origin && EMBED_PATH.exec(url.pathname);
      return match ? { frame: frames[i], slug: decodeURIComponent(match[1]) } : null;
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
    if (!widget || widget.slug !== data.slug) return;
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
