#!/usr/bin/env node
// Runs the compiled CLI when `npm run build` has produced it (pods, production images),
// else the TypeScript sources through tsx (a checkout, tests).
'use strict';
const path = require('node:path');
const fs = require('node:fs');
const compiled = path.join(__dirname, '..', 'dist', 'src', 'cli', 'main.js');
// tsx's require hook is needed by the compiled CLI too: tfjs-core ships its chained ops and
// gradient registrations (src/backend/tf.ts) only as ES modules with extensionless imports,
// which plain Node cannot load.
require('tsx/cjs');
if (fs.existsSync(compiled) && !process.env.NETGROW_FROM_SOURCE) {
  require(compiled);
} else {
  require(path.join(__dirname, '..', 'src', 'cli', 'main.ts'));
}
