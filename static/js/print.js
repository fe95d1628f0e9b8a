// A "Print" button where there is JavaScript (it stays hidden without): the page prints as
// it is, its print styles leaving only what is meant for paper.
document.querySelectorAll("[data-print]").forEach((button) => {
  button.hidden = false;
  button.addEventListener("click", () => window.print());
});
