// What every part of a live element shares. A part (board.js, diagram.js, picker.js, knobs.js: the
// parts other than Plotly charts and tables, which live_view.js builds from a cell spec's `type`) has
// `setSpec(spec)` (every page run), `applyFrame(frame)` (every frame; blobs are Uint8Arrays) and
// `destroy()`, and gets the LiveView as its third constructor argument (`view.send(name, value)` reruns
// the page with a value).

// `fn` at the next animation frame, once however often it is asked for before then (a resize's many events).
export function onceAFrame(fn) {
  let queued = false;
  return () => {
    if (queued) return;
    queued = true;
    requestAnimationFrame(() => {
      queued = false;
      fn();
    });
  };
}

// base64 -> bytes (the page's data carries its binary parts as base64).
export function bytesOf(base64) {
  const text = atob(base64);
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i);
  return out;
}

// uint8 codes -> RGBA pixels through a 256-colour table (the table Python colours with), for every part.
export function colourCodes(codes, lut) {
  const px = new Uint8ClampedArray(codes.length * 4);
  for (let i = 0, j = 0; i < codes.length; i++, j += 4) {
    const c = codes[i] * 3;
    px[j] = lut[c];
    px[j + 1] = lut[c + 1];
    px[j + 2] = lut[c + 2];
    px[j + 3] = 255;
  }
  return px;
}
