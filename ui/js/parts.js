// Parts of a live element other than Plotly charts and tables: type -> class. Each part's own file
// (concatenated after this one and before live_view.js by ui/live_view.py) registers its class here;
// live_view.js builds a cell's part from its spec's `type`. A part has `setSpec(spec)` (every page
// run), `applyFrame(frame)` (every frame; blobs are Uint8Arrays) and `destroy()`, and gets the
// LiveView as its third constructor argument (`view.send(name, value)` reruns the page with a value).
const PARTS = new Map();
