'use strict';
// Everything ScratchNet's live charts draw: plotly.js core (scatter traces, layout images,
// shapes, legend, hover, modebar) plus the heatmap trace. Nothing else is registered.
var Plotly = require('plotly.js/lib/core');

Plotly.register([require('plotly.js/lib/heatmap')]);

module.exports = Plotly;
