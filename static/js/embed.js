// Inside a widget a partner site frames (the petition's sign widget, the events map): tell
// the parent page how tall the widget is, on load, on resize and whenever its content changes
// (errors, the high-risk notice, "Check your email", the map's markers), so the frame fits it
// and nothing hides below a fixed height. The widget names itself in <body data-embed>
// ("petition:<slug>", "events-map"). The partner page listens with embed-resize.js, which
// checks the message came from us, from the frame that shows that widget.
(function () {
  "use strict";
  if (window.parent === window) return; // opened on its own, not framed
  var widget = document.body.getAttribute("data-embed");

  function report() {
    var height = Math.ceil(document.documentElement.getBoundingClientRect().height);
    window.parent.postMessage({ type: "allout:embed-height", height: height, widget: widget }, "*");
  }

  window.addEventListener("load", report);
  // embed-resize.js asks once it runs, in case it missed the first report.
  window.addEventListener("message", function (event) {
    if (event.source === window.parent && event.data && event.data.type === "allout:embed-measure") {
      report();
    }
  });
  window.addEventListener("resize", report);
  if (window.ResizeObserver) new ResizeObserver(report).observe(document.documentElement);
  report();
})();
