// Build static/plotly-scratchnet.min.js (at the app's root) the way plotly.js builds its own dist bundles
// (node_modules/plotly.js/esbuild-config.js: iife, global `Plotly`, es2016), from entry.js.
const fs = require('fs');
const path = require('path');
const esbuild = require('esbuild');
const { environmentPlugin } = require('esbuild-plugin-environment');
const InlineCSSPlugin = require('esbuild-plugin-inline-css');

const version = require('plotly.js/package.json').version;
const outfile = path.join(__dirname, '..', '..', '..', 'static', 'plotly-scratchnet.min.js');
const banner = `/**
* plotly.js (scratchnet: core + heatmap - minified) v${version}
* Copyright 2012-2026, Plotly, Inc.
* All rights reserved.
* Licensed under the MIT license
*/`;

esbuild.build({
    entryPoints: [path.join(__dirname, 'entry.js')],
    outfile,
    format: 'iife',
    globalName: 'Plotly',
    bundle: true,
    minify: true,
    sourcemap: false,
    legalComments: 'none',
    banner: { js: banner },
    plugins: [InlineCSSPlugin(), environmentPlugin({ NODE_DEBUG: false })],
    alias: { regl: '@plotly/regl', stream: 'stream-browserify' },
    define: { global: 'window', 'define.amd': 'false' },
    target: 'es2016',
    logLevel: 'info',
}).then(() => {
    console.log(`${outfile}: ${fs.statSync(outfile).size} bytes`);
}).catch(() => process.exit(1));
