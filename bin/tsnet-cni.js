#!/usr/bin/env node
// tsnet-cni.js — the CNI plugin in Node, which bin/tsnet-cni (the native client, a link to
// bin/tsnet) execs when no daemon serves the call. It runs dist/tsnet-cni.cjs, the plugin's
// own small bundle (scripts/bundle.mjs), with its V8 code cache, the way bin/tsnet.js runs
// the CLI's; without the bundle, tsc's dist/src/cni/main.js.
'use strict';
const { join } = require('node:path');
const { compileBundle, runBundle } = require('./tsnet.js');

const script = compileBundle(true, join(__dirname, '..', 'dist', 'tsnet-cni.cjs'));
const cni = script ? runBundle(script) : require('../dist/src/cni/main.js');
cni.main().then((code) => { process.exitCode = code; });
