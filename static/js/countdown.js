// Keeps the home page countdown right when the page stays open past midnight.
(function () {
  "use strict";
  var el = document.querySelector("[data-countdown]");
  if (!el) return;
  var parts = el.getAttribute("data-countdown").split("-");
  var day = new Date(Number(parts[0]), Number(parts[1]) - 1, Number(parts[2]));
  var today = new Date();
  today.setHours(0, 0, 0, 0);
  var days = Math.round((day - today) / 86400000);
  if (days > 1) el.textContent = days + " days to go";
})();
