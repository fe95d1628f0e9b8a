// Inside the sign widget a partner site frames: tell the parent page how tall the widget is,
// on load, on resize and whenever its content changes (errors, the high-risk notice, "Check
// your email"), so the frame fits it and the Sign button never hides below a fixed height.
// The partner page listens with embed-resize.js, which checks the message came from us.
(function () {
  "use strict";
  if (window.parent === window) return; // opened on its own, not framed
  var slug = document.body.getAttribute("data-petition");

  function report() {
    var height = Math.ceil(document.documentElement.getBoundingClientRect().height);
    window.parent.postMessage({ type: "allout:embed-height", height: height, slug: slug }, "*");
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
