// Parts of a live element other than Plotly charts and tables: type -> class. Each part's own file
// (concatenated after this one and before live_view.js by ui/live_view.py) registers its class here;
// live_view.js builds a cell's part from its spec's `type`. A part has `setSpec(spec)` (every page
// run), `applyFrame(frame)` (every frame; blobs are Uint8Arrays) and `destroy()`, and gets the
// LiveView as its third constructor argument (`view.send(name, value)` reruns the page with a value).
const PARTS = new Map();

// uint8 codes -> RGBA pixels through a 256-colour table (the table Python colours with), for every part.
function colourCodes(codes, lut) {
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
