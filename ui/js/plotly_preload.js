// Started at the top of every page (navigation.py), so plotly.js downloads and compiles while the
// page script still runs. Concatenated after plotly_loader.js by ui/live_chart.py.
export default function preload() {
  loadPlotly().catch(() => {});   // the chart reports a failure where it is seen
}
