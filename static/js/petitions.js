// The sign form: tell signers in a high-risk country, before they submit, that they will
// not be listed, and untick "show me" for them. The server enforces the same rule.
(function () {
  "use strict";
  var country = document.getElementById("id_country");
  var notice = document.getElementById("high-risk-notice");
  var show = document.getElementById("id_show_publicly");
  if (!country || !notice) return;
  var risky = (country.getAttribute("data-high-risk") || "").split(" ");

  function update() {
    var atRisk = country.value !== "" && risky.indexOf(country.value) !== -1;
    notice.hidden = !atRisk;
    if (show) {
      if (atRisk) show.checked = false;
      show.disabled = atRisk;
    }
  }

  country.addEventListener("change", update);
  update();
})();
