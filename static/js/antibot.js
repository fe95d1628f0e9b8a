// The ALTCHA widget's "external" build bundles no worker (a worker from a blob: URL would
// break the CSP): give it the vendored one. The widget reads this when it starts solving.
const widgets = document.querySelectorAll("altcha-widget[data-worker]");
if (!window.isSecureContext) {
  // WebCrypto, which the proof of work needs, exists only on HTTPS (and localhost), e.g.
  // not in the embed on a partner's plain-HTTP page. The widget's checkbox would then block
  // the form for good; without it the form goes as without JavaScript (allout/antibot.py).
  widgets.forEach((widget) => widget.remove());
} else if (widgets.length && globalThis.$altcha) {
  const worker = widgets[0].dataset.worker;
  globalThis.$altcha.algorithms.set("PBKDF2/SHA-256", () => new Worker(worker));
  // The widget knows only English; it takes its words for the page's <html lang> from its
  // store. The page gives them translated (allout/antibot.py, WIDGET_STRINGS).
  if (widgets[0].dataset.strings) {
    const strings = JSON.parse(widgets[0].dataset.strings);
    globalThis.$altcha.i18n.set(document.documentElement.lang, strings);
  }
}
