#!/usr/bin/env node
/**
 * Browser builds of tfjs-linsolve with esbuild (run by `npm run build`, after tsc):
 *
 *   dist/tfjs-linsolve.min.js   IIFE, minified, for a <script> tag or a CDN (unpkg, jsdelivr).
 *                               Reads TensorFlow.js from the global `tf` (load
 *                               @tensorflow/tfjs's dist/tf.min.js first) and defines the
 *                               global `tfLinsolve`.
 *   dist/tfjs-linsolve.esm.mjs  ES module for bundlers, `@tensorflow/tfjs` left external (the
 *                               `module` condition of package.json's exports).
 *
 * TensorFlow.js is never bundled: two copies of tfjs in one page break `instanceof Tensor`
 * and split the engine, so the IIFE maps every import of it to `globalThis.tf`.
 *
 * Also used by __tests__/webgl.test.ts (buildBrowserBundle, tfGlobalPlugin), so the WebGL
 * tests run exactly the bundle a user's page loads.
 */
'use strict';

const path = require('path');
const esbuild = require('esbuild');

const ROOT = path.resolve(__dirname, '..');
const ENTRY = path.join(ROOT, 'src', 'index.ts');
const GLOBAL_NAME = 'tfLinsolve';
/** The TensorFlow.js packages the global `tf` of tf.min.js stands for. */
const TFJS = /^@tensorflow\/tfjs(-core)?$/;
/** Browsers that run WebGL2 tfjs; matches tsconfig's target. */
const TARGET = 'es2019';

/**
 * esbuild plugin: resolve `@tensorflow/tfjs` (and `-core`) to the page's global `tf`, with a
 * clear error when the page did not load TensorFlow.js first.
 */
const tfGlobalPlugin = {
  name: 'tf-global',
  setup(build) {
    build.onResolve({filter: TFJS}, args => ({path: args.path, namespace: 'tf-global'}));
    build.onLoad({filter: /.*/, namespace: 'tf-global'}, args => ({
      loader: 'js',
      contents: [
        `if (typeof globalThis.tf === 'undefined') {`,
        `  throw new Error('tfjs-linsolve: the global \`tf\` is missing; load ${args.path} ` +
          `(e.g. its dist/tf.min.js) before tfjs-linsolve.min.js');`,
        `}`,
        `module.exports = globalThis.tf;`,
      ].join('\n'),
    }));
  },
};

/** Shared by both builds. */
function common(outfile) {
  return {
    absWorkingDir: ROOT,
    entryPoints: [ENTRY],
    outfile,
    bundle: true,
    target: TARGET,
    sourcemap: true,
    legalComments: 'none',
    logLevel: 'warning',
    tsconfig: path.join(ROOT, 'tsconfig.build.json'),
  };
}

/** The IIFE bundle (global `tf` in, global `tfLinsolve` out). */
async function buildBrowserBundle(outfile = path.join(ROOT, 'dist', 'tfjs-linsolve.min.js'), {minify = true} = {}) {
  await esbuild.build({
    ...common(outfile),
    format: 'iife',
    platform: 'browser',
    globalName: GLOBAL_NAME,
    minify,
    plugins: [tfGlobalPlugin],
  });
  return outfile;
}

/** The ES module bundle (`import * as tf from '@tensorflow/tfjs'` left to the user's bundler). */
async function buildEsmBundle(outfile = path.join(ROOT, 'dist', 'tfjs-linsolve.esm.mjs')) {
  await esbuild.build({
    ...common(outfile),
    format: 'esm',
    platform: 'neutral',
    mainFields: ['module', 'main'],
    external: ['@tensorflow/tfjs', '@tensorflow/tfjs-core'],
  });
  return outfile;
}

/** Both bundles into `outdir` (default dist/). */
async function buildAll(outdir = path.join(ROOT, 'dist')) {
  return Promise.all([
    buildBrowserBundle(path.join(outdir, 'tfjs-linsolve.min.js')),
    buildEsmBundle(path.join(outdir, 'tfjs-linsolve.esm.mjs')),
  ]);
}

module.exports = {buildBrowserBundle, buildEsmBundle, buildAll, tfGlobalPlugin, GLOBAL_NAME};

if (require.main === module) {
  buildAll(process.argv[2] ? path.resolve(process.argv[2]) : undefined)
    .then(files => files.forEach(f => console.log(`built ${path.relative(process.cwd(), f)}`)))
    .catch(error => {
      console.error(error.message || error);
      process.exit(1);
    });
}
