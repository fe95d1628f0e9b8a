// Keeps the home page countdown right when the page stays open past midnight, in the page's
// language: the words from Django's JavaScript catalog, the number in the language's digits.
(function () {
  "use strict";
  var el = document.querySelector("[data-countdown]");
  if (!el) return;
  var parts = el.getAttribute("data-countdown").split("-");
  var day = new Date(Number(parts[0]), Number(parts[1]) - 1, Number(parts[2]));
  var today = new Date();
  today.setHours(0, 0, 0, 0);
  var days = Math.round((day - today) / 86400000);
  if (days > 1) {
    var number = new Intl.NumberFormat(document.documentElement.lang).format(days);
    el.textContent = interpolate(ngettext("%s day to go", "%s days to go", days), [number]);
  } else if (days === 1) {
    el.textContent = gettext("Tomorrow");
  } else if (days === 0) {
    el.textContent = gettext("Today is the day");
  }
})();
