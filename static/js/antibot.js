// The ALTCHA widget's "external" build bundles no worker (a worker from a blob: URL would
// break the CSP): give it the vendored one. The widget reads this when it starts solving.
const widget = document.querySelector("altcha-widget[data-worker]");
if (widget && globalThis.$altcha) {
  const worker = widget.dataset.worker;
  globalThis.$altcha.algorithms.set("PBKDF2/SHA-256", () => new Worker(worker));
}
