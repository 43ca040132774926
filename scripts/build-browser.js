#!/usr/bin/env node
/**
 * Browser builds of tfjs-linsolve with esbuild (run by `npm run build`, after tsc):
 *
 *   dist/tfjs-linsolve.min.js   IIFE, minified, for a <script> tag or a CDN (unpkg, jsdelivr).
 *                               Reads TensorFlow.js from the global `tf` (load
 *                               @tensorflow/tfjs's dist/tf.min.js first) and defines the
 *                               global `tfLinsolve`, with the layers as `tfLinsolve.layers`
 *                               and the extension entry as `tfLinsolve.extend`.
 *   dist/tfjs-linsolve.esm.mjs  ES modules for bundlers (the `module` condition of
 *   dist/tfjs-linsolve-extend.esm.mjs   package.json's exports): the main entry, the
 *   dist/tfjs-linsolve-layers.esm.mjs   extension entry and the layers entry, sharing one
 *   dist/chunks/*.mjs                   copy of the library through common chunks.
 *                               Every @tensorflow/* import is left to the app's bundler, so
 *                               an app on @tensorflow/tfjs-core bundles no tfjs-layers unless
 *                               it imports tfjs-linsolve/layers.
 *
 * TensorFlow.js is never bundled: two copies of tfjs in one page break `instanceof Tensor`
 * and split the engine, so the IIFE maps every import of it to `globalThis.tf`.
 *
 * Gradients: tfjs-core registers none; src/core/registerGradients.ts is empty in the sources
 * and becomes `import '@tensorflow/tfjs-core/dist/register_all_gradients'` in the ES modules
 * (as tfjs-layers does it), and nothing in the IIFE (tf.min.js has registered them).
 *
 * Also used by __tests__/webgl.test.ts (buildBrowserBundle, tfGlobalPlugin), so the WebGL
 * tests run exactly the bundle a user's page loads.
 */
'use strict';

const path = require('path');
const esbuild = require('esbuild');

const ROOT = path.resolve(__dirname, '..');
const ENTRY = path.join(ROOT, 'src', 'index.ts');
/** The package's entries: main, tfjs-linsolve/core, tfjs-linsolve/extend, tfjs-linsolve/layers (ESM file stems). */
const ENTRIES = {
  'tfjs-linsolve.esm': ENTRY,
  'tfjs-linsolve-core.esm': path.join(ROOT, 'src', 'coreApi.ts'),
  'tfjs-linsolve-extend.esm': path.join(ROOT, 'src', 'extend.ts'),
  'tfjs-linsolve-layers.esm': path.join(ROOT, 'src', 'layers', 'index.ts'),
};
const GLOBAL_NAME = 'tfLinsolve';
/** The TensorFlow.js packages the global `tf` of tf.min.js stands for. */
const TFJS = /^@tensorflow\/tfjs(-core|-layers)?$/;
/** The module that registers tfjs-core's gradients (empty in the sources, see above). */
const REGISTER_GRADIENTS = /[\\/]src[\\/]core[\\/]registerGradients\.ts$/;
const TFJS_CORE_GRADIENTS = '@tensorflow/tfjs-core/dist/register_all_gradients';

/** esbuild plugin: the gradient registration as `import …register_all_gradients` (external) or nothing. */
function gradientsPlugin(register) {
  return {
    name: 'register-gradients',
    setup(build) {
      build.onLoad({filter: REGISTER_GRADIENTS}, () => ({
        loader: 'js',
        contents: register ? `import '${TFJS_CORE_GRADIENTS}';\n` :
          '// The page\'s tf.min.js registered the gradients.\nexport {};\n',
      }));
    },
  };
}
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
function common() {
  return {
    absWorkingDir: ROOT,
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
  const rel = p => `./${path.relative(ROOT, p).split(path.sep).join('/')}`;
  await esbuild.build({
    ...common(),
    // Everything on one global, the layers and the extension entry as its namespaces.
    stdin: {
      contents: [`export * from '${rel(ENTRY)}';`,
        `export * as layers from '${rel(ENTRIES['tfjs-linsolve-layers.esm'])}';`,
        `export * as extend from '${rel(ENTRIES['tfjs-linsolve-extend.esm'])}';`].join('\n'),
      resolveDir: ROOT,
      sourcefile: 'tfjs-linsolve-browser.js',
      loader: 'js',
    },
    outfile,
    format: 'iife',
    platform: 'browser',
    globalName: GLOBAL_NAME,
    minify,
    plugins: [tfGlobalPlugin, gradientsPlugin(false)],
  });
  return outfile;
}

/**
 * The ES modules of the three entries into `outdir` (every @tensorflow/* import left to the
 * user's bundler); returns the main entry's file.
 */
async function buildEsmBundle(outdir = path.join(ROOT, 'dist')) {
  await esbuild.build({
    ...common(),
    entryPoints: ENTRIES,
    outdir,
    splitting: true,
    chunkNames: 'chunks/[name]-[hash]',
    outExtension: {'.js': '.mjs'},
    format: 'esm',
    platform: 'neutral',
    mainFields: ['module', 'main'],
    external: ['@tensorflow/*'],
    plugins: [gradientsPlugin(true)],
  });
  return path.join(outdir, 'tfjs-linsolve.esm.mjs');
}

/** Both builds into `outdir` (default dist/). */
async function buildAll(outdir = path.join(ROOT, 'dist')) {
  return Promise.all([
    buildBrowserBundle(path.join(outdir, 'tfjs-linsolve.min.js')),
    buildEsmBundle(outdir),
  ]);
}

module.exports = {buildBrowserBundle, buildEsmBundle, buildAll, tfGlobalPlugin, gradientsPlugin, GLOBAL_NAME,
  ENTRIES, TFJS_CORE_GRADIENTS};

if (require.main === module) {
  buildAll(process.argv[2] ? path.resolve(process.argv[2]) : undefined)
    .then(files => files.forEach(f => console.log(`built ${path.relative(process.cwd(), f)}`)))
    .catch(error => {
      console.error(error.message || error);
      process.exit(1);
    });
}
