#!/usr/bin/env node
// The program's entry point, and the one place that joins the command line (src/cli) to the
// worker entry (worker/): commands that run workers in this process get them from here, so no
// module in src/ imports worker/. Runs the compiled output when `npm run build` has produced
// it (pods, production images; NETGROW_DIST names another output folder), else the TypeScript
// sources through tsx (a checkout, tests).
'use strict';
const path = require('node:path');
const fs = require('node:fs');
const dist = process.env.NETGROW_DIST || path.join(__dirname, '..', 'dist');
const compiled = fs.existsSync(path.join(dist, 'src', 'cli', 'main.js')) && !process.env.NETGROW_FROM_SOURCE;
const root = compiled ? dist : path.join(__dirname, '..');
const ext = compiled ? '.js' : '.ts';
// tsx's require hook is needed by the compiled CLI too: tfjs-core ships its chained ops and
// gradient registrations (src/backend/tf.ts) only as ES modules with extensionless imports,
// which plain Node cannot load.
require('tsx/cjs');
// libtensorflow (the native backend) logs its start-up on stderr, where netgrow prints only errors.
process.env.TF_CPP_MIN_LOG_LEVEL ??= '2';
const { runMain } = require(path.join(root, 'src', 'cli', `main${ext}`));
void runMain(process.argv.slice(2), {
  startWorkers: (opts) => require(path.join(root, 'worker', `index${ext}`)).runLocalWorkers(opts),
});
