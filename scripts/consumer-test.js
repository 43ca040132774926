#!/usr/bin/env node
/**
 * End-to-end test of the package as a user gets it (`npm run test:consumer`, run by .ci/run):
 * packs the tarball (scripts/check-package.js), then in fresh projects in a temp dir
 *
 *   app/       installs the tarball + @tensorflow/tfjs from the registry, and
 *              - CommonJS (`require`): solves a 2×2 system, checks x and the error class,
 *                ls.linalg (det, the logdet gradient) and an asynchronous solve;
 *              - ESM (`import`): the same, plus: the same module instance as `require` gives
 *                (one LinearSolveError class), and the same export names;
 *              - strict TypeScript, `tsc --noEmit` under node16 (CJS .cts and ESM .mts) and
 *                bundler resolution, with a file that MUST fail to type-check as a control;
 *              - esbuild browser bundle of an ESM app: takes the `module` condition (the ESM
 *                bundle) and one copy of tfjs-core (not run here: running bundles in a
 *                page is what the WebGL tests do);
 *   core-app/  installs the tarball + @tensorflow/tfjs-core and -backend-cpu only (no
 *              tfjs-layers): solves and differentiates from CommonJS and ESM, and bundles
 *              with esbuild without tfjs-layers;
 *   node-app/  (skip with --no-node) installs the tarball + @tensorflow/tfjs-node with
 *              --ignore-scripts and the README's tar override, runs the documented
 *              `npx tfjs-linsolve-setup-node`, then solves on the `tensorflow` backend; checks
 *              that nothing was cached inside node_modules.
 *
 * Installs use the registry with --prefer-offline (the npm cache first). The tfjs-node setup
 * reuses the per-user wheel cache, so its first run downloads ~270 MB with pip.
 * Options: --no-build (pack the existing dist/), --no-node, --keep (leave the temp dir).
 */
'use strict';

const cp = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const {packTarball} = require('./check-package.js');

const ROOT = path.resolve(__dirname, '..');
const TFJS_VERSION = require(path.join(ROOT, 'node_modules/@tensorflow/tfjs/package.json')).version;
const TSC = path.join(ROOT, 'node_modules/typescript/bin/tsc');
const ESBUILD = require(path.join(ROOT, 'node_modules/esbuild'));
const NPM_INSTALL = ['install', '--ignore-scripts', '--prefer-offline', '--no-audit', '--no-fund',
  '--loglevel=error'];

const results = [];

function sh(cmd, args, cwd, {env = process.env, expectFail = false} = {}) {
  const r = cp.spawnSync(cmd, args, {cwd, env, encoding: 'utf8', maxBuffer: 64 << 20});
  const out = `${r.stdout || ''}${r.stderr || ''}`;
  if (!expectFail && r.status !== 0) {
    throw new Error(`\`${cmd} ${args.join(' ')}\` in ${cwd} failed (exit ${r.status})\n${out}`);
  }
  return {status: r.status, out};
}

/** Runs one named check; a failure is recorded (and the rest still run). */
async function step(name, fn) {
  const t0 = Date.now();
  try {
    const detail = await fn();
    results.push({name, ok: true, s: (Date.now() - t0) / 1000, detail});
    console.log(`ok    ${name} (${((Date.now() - t0) / 1000).toFixed(1)} s)${detail ? `: ${detail}` : ''}`);
  } catch (error) {
    results.push({name, ok: false, s: (Date.now() - t0) / 1000});
    console.log(`FAIL  ${name}\n${String(error.message || error).replace(/^/gm, '      ')}`);
  }
}

function write(dir, files) {
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), {recursive: true});
    fs.writeFileSync(path.join(dir, name), text);
  }
}

// The 2×2 system [[4, 1], [1, 3]] x = [1, 2] has x = [1/11, 7/11].
const CHECK_X = `
function checkX(x) {
  const v = Array.from(x.dataSync());
  const want = [1 / 11, 7 / 11];
  if (v.length !== 2 || v.some((e, i) => Math.abs(e - want[i]) > 1e-5)) {
    throw new Error('wrong solution ' + v);
  }
  return v;
}
function checkError(ls, tf) {
  try {
    ls.solve(tf.tensor2d([[4, 1], [1, 3]]), tf.tensor1d([1, 2, 3]));
  } catch (e) {
    if (e instanceof ls.LinearSolveError && e.code === 'shape') return;
    throw new Error('expected a LinearSolveError with code shape, got ' + e);
  }
  throw new Error('a b of the wrong length did not throw');
}
function checkEntries(ls, lsLayers, extend) {
  if (ls.layers == null || ls.layers.linearSolve !== lsLayers.linearSolve) {
    throw new Error('ls.layers is not the tfjs-linsolve/layers entry');
  }
  if (typeof lsLayers.linearSolve !== 'function' || typeof extend.CGSolver !== 'function') {
    throw new Error('tfjs-linsolve/layers or tfjs-linsolve/extend is missing its exports');
  }
  if ('CGSolver' in ls || 'BaseOperator' in ls) throw new Error('the main entry exports internals');
  if (extend.SparseOperator !== ls.SparseOperator) throw new Error('extend loads a second copy of the library');
}
// det [[4, 1], [1, 3]] = 11, and ∂ log det A / ∂A = A⁻ᵀ = [[3, -1], [-1, 4]] / 11.
function checkLinalg(ls, tf) {
  const A = tf.tensor2d([[4, 1], [1, 3]]);
  const det = ls.linalg.det(A).dataSync()[0];
  if (Math.abs(det - 11) > 1e-4) throw new Error('wrong det ' + det);
  const g = Array.from(tf.grad(a => ls.linalg.logdet(a))(A).dataSync());
  const want = [3 / 11, -1 / 11, -1 / 11, 4 / 11];
  if (g.some((v, i) => Math.abs(v - want[i]) > 1e-5)) throw new Error('wrong logdet gradient ' + g);
  return det;
}
async function checkAsync(ls, tf) {
  return checkX(await ls.solveAsync(tf.tensor2d([[4, 1], [1, 3]]), tf.tensor1d([1, 2]), {method: 'cg'}));
}
`;

const APP_FILES = {
  'cjs.cjs': `const tf = require('@tensorflow/tfjs');
const ls = require('tfjs-linsolve');
${CHECK_X}
const x = checkX(ls.solve(tf.tensor2d([[4, 1], [1, 3]]), tf.tensor1d([1, 2])));
checkError(ls, tf);
checkX(ls.solve([[4, 1], [1, 3]], [1, 2]));
checkEntries(ls, require('tfjs-linsolve/layers'), require('tfjs-linsolve/extend'));
const det = checkLinalg(ls, tf);
checkAsync(ls, tf).then(() => console.log('CJS_OK ' + JSON.stringify({x, det, exports: Object.keys(ls).length})));
`,
  'esm.mjs': `import * as tf from '@tensorflow/tfjs';
import * as ls from 'tfjs-linsolve';
import {solve, LinearSolveError} from 'tfjs-linsolve';
import * as lsLayers from 'tfjs-linsolve/layers';
import * as extend from 'tfjs-linsolve/extend';
import {createRequire} from 'module';
${CHECK_X}
const x = checkX(solve(tf.tensor2d([[4, 1], [1, 3]]), tf.tensor1d([1, 2])));
checkError(ls, tf);
checkEntries(ls, lsLayers, extend);
checkLinalg(ls, tf);
await checkAsync(ls, tf);
if (createRequire(import.meta.url)('tfjs-linsolve/extend').CGSolver !== extend.CGSolver) throw new Error('two copies of extend');
const cjs = createRequire(import.meta.url)('tfjs-linsolve');
if (cjs.LinearSolveError !== LinearSolveError) throw new Error('import and require load two copies');
const names = (o) => Object.keys(o).filter((k) => k !== 'default' && k !== '__esModule').sort().join();
if (names(ls) !== names(cjs)) throw new Error('ESM exports differ from CJS: ' + names(ls) + ' vs ' + names(cjs));
console.log('ESM_OK ' + JSON.stringify({x, exports: Object.keys(ls).length}));
`,
  'types/use.ts': `import * as tf from '@tensorflow/tfjs';
import * as ls from 'tfjs-linsolve';
import * as lsLayers from 'tfjs-linsolve/layers';
import {CGSolver} from 'tfjs-linsolve/extend';

export function use(): number[] {
  const A = tf.tensor2d([[4, 1], [1, 3]]);
  const result: ls.LinearSolveResult = ls.linearSolve(A, tf.tensor1d([1, 2]), {method: 'cg', rtol: 1e-6});
  const op: ls.LinearOperator = ls.dense(A);
  const x: tf.Tensor1D = ls.solve(op, tf.tensor1d([1, 2]));
  const y: tf.Tensor2D = ls.solve([[4, 1], [1, 3]], [[1], [2]]);
  const layer: tf.layers.Layer = lsLayers.linearSolve({method: 'lu'});
  const solver: ls.Solver = new CGSolver();
  console.log(y.shape, layer.name, solver.name);
  try {
    ls.solve(A, tf.tensor1d([1, 2, 3]));
  } catch (e) {
    if (e instanceof ls.LinearSolveError) {
      const code: ls.LinearSolveErrorCode = e.code;
      console.log(code);
    }
  }
  return [...Array.from(x.dataSync()), result.iterations];
}
`,
  'types/bad.ts': `import * as tf from '@tensorflow/tfjs';
import * as ls from 'tfjs-linsolve';
// Must NOT type-check: proves tsc really sees the package's types.
export const n: number = ls.solve;
export const code: ls.LinearSolveErrorCode = 'not-a-code';
export const wrongRank: tf.Tensor2D = ls.solve(tf.eye(2), tf.ones([2]) as tf.Tensor1D);
`,
  'tsconfig.base.json': JSON.stringify({compilerOptions: {strict: true, noEmit: true,
    target: 'ES2020', lib: ['ES2020', 'DOM'], types: [], skipLibCheck: true,
    noUncheckedIndexedAccess: true, exactOptionalPropertyTypes: true}}, null, 2),
  'tsconfig.node16-cjs.json': JSON.stringify({extends: './tsconfig.base.json',
    compilerOptions: {module: 'node16', moduleResolution: 'node16'}, files: ['types/use.cts']}, null, 2),
  'tsconfig.node16-esm.json': JSON.stringify({extends: './tsconfig.base.json',
    compilerOptions: {module: 'node16', moduleResolution: 'node16'}, files: ['types/use.mts']}, null, 2),
  'tsconfig.bundler.json': JSON.stringify({extends: './tsconfig.base.json',
    compilerOptions: {module: 'esnext', moduleResolution: 'bundler'}, files: ['types/use.ts']}, null, 2),
  'tsconfig.node10.json': JSON.stringify({extends: './tsconfig.base.json',
    compilerOptions: {module: 'commonjs', moduleResolution: 'node10'}, files: ['types/use.ts']}, null, 2),
  'tsconfig.bad.json': JSON.stringify({extends: './tsconfig.base.json',
    compilerOptions: {module: 'node16', moduleResolution: 'node16'}, files: ['types/bad.ts']}, null, 2),
  'bundle-entry.mjs': `import * as tf from '@tensorflow/tfjs';
import * as ls from 'tfjs-linsolve';
${CHECK_X}
const x = checkX(ls.solve(tf.tensor2d([[4, 1], [1, 3]]), tf.tensor1d([1, 2])));
checkError(ls, tf);
console.log('BUNDLE_OK ' + JSON.stringify({x}));
`,
};
// The same source as .cts (CommonJS) and .mts (ESM) for node16 resolution.
APP_FILES['types/use.cts'] = APP_FILES['types/use.ts'];
APP_FILES['types/use.mts'] = APP_FILES['types/use.ts'];

const NODE_APP_FILES = {
  'main.cjs': `const tf = require('@tensorflow/tfjs-node');
const ls = require('tfjs-linsolve');
${CHECK_X}
if (tf.getBackend() !== 'tensorflow') throw new Error('backend is ' + tf.getBackend());
const x = checkX(ls.solve(tf.tensor2d([[4, 1], [1, 3]]), tf.tensor1d([1, 2])));
checkError(ls, tf);
console.log('NODE_OK ' + JSON.stringify({backend: tf.getBackend(), x}));
`,
};

function marker(out, tag) {
  const m = new RegExp(`${tag} (.*)`).exec(out);
  if (!m) throw new Error(`no ${tag} line in the output:\n${out.slice(-3000)}`);
  return m[1];
}

function project(dir, name, extra = {}) {
  fs.mkdirSync(dir, {recursive: true});
  write(dir, {'package.json': JSON.stringify({name, version: '1.0.0', private: true, ...extra}, null, 2)});
}

async function appChecks(tmp, tarball) {
  const app = path.join(tmp, 'app');
  project(app, 'consumer-app');
  write(app, APP_FILES);
  await step(`app: npm install the tarball + @tensorflow/tfjs@${TFJS_VERSION}`, () => {
    sh('npm', [...NPM_INSTALL, tarball, `@tensorflow/tfjs@${TFJS_VERSION}`], app);
    return `tfjs-linsolve ${require(path.join(app, 'node_modules/tfjs-linsolve/package.json')).version}`;
  });
  await step('app: CommonJS require + 2×2 solve', () =>
    marker(sh(process.execPath, ['cjs.cjs'], app).out, 'CJS_OK'));
  await step('app: ESM import + 2×2 solve, one copy shared with require', () =>
    marker(sh(process.execPath, ['esm.mjs'], app).out, 'ESM_OK'));
  for (const cfg of ['node16-cjs', 'node16-esm', 'bundler', 'node10']) {
    await step(`app: strict tsc --noEmit (${cfg})`, () => {
      sh(process.execPath, [TSC, '-p', `tsconfig.${cfg}.json`], app);
    });
  }
  await step('app: tsc rejects a file misusing the types (control)', () => {
    const r = sh(process.execPath, [TSC, '-p', 'tsconfig.bad.json'], app, {expectFail: true});
    const errors = (r.out.match(/error TS\d+/g) || []).length;
    if (r.status === 0 || errors < 3) throw new Error(`expected 3 type errors, got:\n${r.out}`);
    return `${errors} errors as expected`;
  });
  await step('app: esbuild browser bundle takes the module condition and one tfjs-core', async () => {
    const outfile = path.join(app, 'bundle.mjs');
    const res = await ESBUILD.build({absWorkingDir: app, entryPoints: ['bundle-entry.mjs'], outfile,
      bundle: true, format: 'esm', platform: 'browser', metafile: true, logLevel: 'error'});
    const inputs = Object.keys(res.metafile.inputs);
    const lib = inputs.filter(i => i.includes('node_modules/tfjs-linsolve/'));
    const esm = f => /dist\/(tfjs-linsolve\.esm\.mjs|chunks\/[^/]+\.mjs)$/.test(f);
    if (!lib.some(f => f.endsWith('dist/tfjs-linsolve.esm.mjs')) || !lib.every(esm)) {
      throw new Error(`expected the ESM bundle (and its chunks) only, got ${lib.join(', ')}`);
    }
    const coreCopies = new Set(inputs.filter(i => i.includes('@tensorflow/tfjs-core/dist/'))
      .map(i => i.slice(0, i.indexOf('@tensorflow/tfjs-core/'))));
    if (coreCopies.size !== 1) throw new Error(`tfjs-core included from ${[...coreCopies].join(', ')}`);
    return `${lib.length} files of dist/*.esm.mjs and chunks, ${(fs.statSync(outfile).size / 1e6).toFixed(1)} MB`;
  });
}

// An app on tfjs-core alone, through tfjs-linsolve/core: no tfjs-layers installed; the library registers the gradients.
const CORE_CHECK = `
function checkGradient(tf, ls) {
  // L = sum(x), x = A⁻¹b: ∂L/∂A = −λxᵀ with Aᵀλ = 1, λ = [2/11, 3/11], x = [1/11, 7/11].
  const g = Array.from(tf.grad(a => tf.sum(ls.solve(a, tf.tensor1d([1, 2]))))(tf.tensor2d([[4, 1], [1, 3]])).dataSync());
  const want = [-2 / 121, -14 / 121, -3 / 121, -21 / 121];
  if (g.some((v, i) => Math.abs(v - want[i]) > 1e-5)) throw new Error('wrong gradient ' + g);
  return g;
}
`;
const CORE_APP_FILES = {
  'core.cjs': `const tf = require('@tensorflow/tfjs-core');
require('@tensorflow/tfjs-backend-cpu');
const ls = require('tfjs-linsolve/core');
${CHECK_X}${CORE_CHECK}
let layers = 'absent';
try { require.resolve('@tensorflow/tfjs-layers'); layers = 'installed'; } catch (e) {}
const x = checkX(ls.solve(tf.tensor2d([[4, 1], [1, 3]]), tf.tensor1d([1, 2])));
console.log('CORE_CJS_OK ' + JSON.stringify({x, gradient: checkGradient(tf, ls), layers}));
`,
  'core.mjs': `import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as ls from 'tfjs-linsolve/core';
${CHECK_X}${CORE_CHECK}
console.log('CORE_ESM_OK ' + JSON.stringify({x: checkX(ls.solve([[4, 1], [1, 3]], [1, 2])), gradient: checkGradient(tf, ls)}));
`,
};

async function coreChecks(tmp, tarball) {
  const app = path.join(tmp, 'core-app');
  project(app, 'consumer-core-app');
  write(app, CORE_APP_FILES);
  await step(`core-app: npm install the tarball + @tensorflow/tfjs-core and -backend-cpu (no tfjs-layers)`, () => {
    sh('npm', [...NPM_INSTALL, tarball, `@tensorflow/tfjs-core@${TFJS_VERSION}`, `@tensorflow/tfjs-backend-cpu@${TFJS_VERSION}`], app);
    if (fs.existsSync(path.join(app, 'node_modules/@tensorflow/tfjs-layers'))) throw new Error('tfjs-layers was installed');
  });
  await step('core-app: CommonJS solve + gradient on tfjs-core alone', () =>
    marker(sh(process.execPath, ['core.cjs'], app).out, 'CORE_CJS_OK'));
  await step('core-app: ESM solve + gradient on tfjs-core alone', () =>
    marker(sh(process.execPath, ['core.mjs'], app).out, 'CORE_ESM_OK'));
  await step('core-app: esbuild browser bundle holds no tfjs-layers, and registers the gradients', async () => {
    const res = await ESBUILD.build({absWorkingDir: app, entryPoints: ['core.mjs'], bundle: true, format: 'esm',
      platform: 'browser', metafile: true, write: false, minify: true, logLevel: 'error'});
    const inputs = Object.keys(res.metafile.inputs);
    const layers = inputs.filter(i => i.includes('@tensorflow/tfjs-layers/'));
    if (layers.length) throw new Error(`tfjs-layers bundled: ${layers.slice(0, 3).join(', ')}`);
    if (!inputs.some(i => i.endsWith('tfjs-core/dist/register_all_gradients.js'))) throw new Error('no gradient registration bundled');
    return `${(res.outputFiles[0].contents.length / 1024).toFixed(0)} kB minified`;
  });
}

async function nodeChecks(tmp, tarball) {
  const app = path.join(tmp, 'node-app');
  // The override is the one the README recommends against tfjs-node's tar 6.2.1.
  project(app, 'consumer-node-app', {overrides: {tar: '^7.5.16'}});
  write(app, NODE_APP_FILES);
  await step('node-app: npm install --ignore-scripts the tarball + @tensorflow/tfjs-node', () => {
    sh('npm', [...NPM_INSTALL, tarball, `@tensorflow/tfjs-node@${TFJS_VERSION}`], app);
    const tar = require(path.join(app, 'node_modules/tar/package.json')).version;
    if (!/^7\./.test(tar)) throw new Error(`the tar override did not apply: tar ${tar}`);
    return `tar ${tar}`;
  });
  await step('node-app: npx tfjs-linsolve-setup-node', () => {
    const r = sh('npx', ['--no-install', 'tfjs-linsolve-setup-node'], app);
    const lines = r.out.trim().split('\n');
    return lines[lines.length - 1].replace(/^\[setup\] /, '');
  });
  await step('node-app: require tfjs-node + 2×2 solve on the tensorflow backend', () =>
    marker(sh(process.execPath, ['main.cjs'], app).out, 'NODE_OK'));
  await step('node-app: nothing cached inside node_modules', () => {
    const inside = ['node_modules/.cache/tfjs-linsolve', 'node_modules/tfjs-linsolve/node_modules']
      .filter(p => fs.existsSync(path.join(app, p)));
    if (inside.length) throw new Error(`found ${inside.join(', ')}`);
  });
}

async function main() {
  const args = process.argv.slice(2);
  const t0 = Date.now();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tfjs-linsolve-consumer-'));
  let tarball;
  await step('pack the tarball', () => {
    const info = packTarball(tmp, {build: !args.includes('--no-build')});
    tarball = info.tarball;
    return `${info.filename}, ${(info.size / 1024).toFixed(1)} kB, ${info.entryCount} files`;
  });
  if (tarball) {
    await appChecks(tmp, tarball);
    await coreChecks(tmp, tarball);
    if (!args.includes('--no-node')) await nodeChecks(tmp, tarball);
  }
  if (args.includes('--keep')) console.log(`kept ${tmp}`);
  else fs.rmSync(tmp, {recursive: true, force: true});
  const failed = results.filter(r => !r.ok);
  console.log(`consumer test: ${results.length - failed.length}/${results.length} passed ` +
    `in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  process.exit(failed.length ? 1 : 0);
}

main().catch(error => {
  console.error(error);
  process.exit(1);
});
