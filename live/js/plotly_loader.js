// plotly.js, loaded once per page from the app's own server (never a CDN).
// __PLOTLY_JS__ is replaced with the bundle's file name when the Python side reads this file.
const LOADER_KEY = "__scratchnetPlotlyLoader";

export function appRootUrl() {
  // Streamlit's index.html loads "./static/js/index.<hash>.js" from the app root.
  const scripts = document.querySelectorAll('script[type="module"][src]');
  for (const s of scripts) {
    if (/\/static\/js\/index\.[^/]*\.js(\?|$)/.test(s.src)) {
      return new URL("../../", s.src).href;
    }
  }
  return new URL("./", window.location.href).href;
}

export function loadPlotly() {
  const w = window;
  if (w.Plotly && typeof w.Plotly.react === "function") {
    return Promise.resolve(w.Plotly);
  }
  if (!w[LOADER_KEY]) {
    const url = new URL("app/static/__PLOTLY_JS__", appRootUrl()).href;
    w[LOADER_KEY] = new Promise((resolve, reject) => {
      const tag = document.createElement("script");
      tag.src = url;
      tag.async = true;
      tag.dataset.scratchnetPlotly = "1";
      tag.addEventListener("load", () => {
        if (w.Plotly && typeof w.Plotly.react === "function") resolve(w.Plotly);
        else reject(new Error(`${url} loaded but did not define window.Plotly`));
      });
      tag.addEventListener("error", () => {
        reject(new Error(
          `could not load Plotly.js from ${url} ` +
          "(needs [server] enableStaticServing = true and static/__PLOTLY_JS__)"));
      });
      document.head.appendChild(tag);
    });
  }
  return w[LOADER_KEY];
}
