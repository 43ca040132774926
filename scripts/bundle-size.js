#!/usr/bin/env node
/**
 * What tfjs-linsolve costs in an app's bundle (`npm run bundle-size`; `--write` saves the
 * table to bench/results/bundle-size.md).
 *
 * Builds minimal browser apps on @tensorflow/tfjs-core + @tensorflow/tfjs-backend-webgl with
 * esbuild (ES module, minified, production) and reports each bundle's minified and gzipped
 * size, and what the library itself and tfjs-layers contribute (esbuild's metafile):
 *
 *   core + webgl                      the app without the library (a few ops)
 *   core + webgl + gradients          the same, registering tfjs-core's gradients itself
 *   before: umbrella import           the library's sources at BEFORE_REF (every file imported
 *                                     `@tensorflow/tfjs`, so the app bundled all of it)
 *   after: tfjs-linsolve/core         the ES-module build of the working tree (the `module`
 *                                     condition a bundler takes), solve + a gradient
 *   after: + tfjs-linsolve/layers     the same app also building a solve layer
 *   @tensorflow/tfjs app + tfjs-linsolve   an app on the umbrella package, for reference
 *
 * Options: --before REF (default BEFORE_REF), --write, --after-label TEXT (what the working
 * tree's sources are, when they differ from HEAD).
 */
'use strict';

const cp = require('child_process');
const fs = require('fs');
const path = require('path');
const zlib = require('zlib');
const esbuild = require('esbuild');
const {buildEsmBundle} = require('./build-browser.js');

const ROOT = path.resolve(__dirname, '..');
/** The last commit whose sources imported the umbrella `@tensorflow/tfjs`. */
const BEFORE_REF = 'acbee62';
const RESULT = path.join(ROOT, 'bench', 'results', 'bundle-size.md');

const PRELUDE = `import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-webgl';
`;
const APP_OPS = `const A = tf.tensor2d([[4, 1], [1, 3]]);
const b = tf.tensor1d([1, 2]);
`;
const SOLVE = `console.log(ls.solve(A, b), tf.grad(a => tf.sum(ls.solve(a, b)))(A));
`;

/** The apps: name → entry source (`LIB`, `CORE` and `LAYERS` stand for the library's entries). */
function apps() {
  return [
    ['core + webgl', `${PRELUDE}${APP_OPS}console.log(tf.matMul(A, tf.reshape(b, [2, 1])));\n`],
    ['core + webgl + gradients', `${PRELUDE}import '@tensorflow/tfjs-core/dist/register_all_gradients';\n` +
      `${APP_OPS}console.log(tf.grad(a => tf.sum(tf.matMul(a, a)))(A));\n`],
    ['before: umbrella import', `${PRELUDE}import * as ls from 'BEFORE';\n${APP_OPS}${SOLVE}`],
    ['after: tfjs-linsolve/core', `${PRELUDE}import * as ls from 'CORE';\n${APP_OPS}${SOLVE}`],
    ['after: tfjs-linsolve (with ls.layers)', `${PRELUDE}import * as ls from 'LIB';\n${APP_OPS}${SOLVE}`],
    ['after: tfjs-linsolve/core + tfjs-linsolve/layers', `${PRELUDE}import * as ls from 'CORE';\nimport * as lsLayers from 'LAYERS';\n` +
      `${APP_OPS}${SOLVE}console.log(lsLayers.linearSolve({}));\n`],
    ['@tensorflow/tfjs app + tfjs-linsolve', `import * as tf from '@tensorflow/tfjs';\nimport * as ls from 'LIB';\n` +
      `${APP_OPS}${SOLVE}`],
  ];
}

function sh(cmd, args, opts = {}) {
  const r = cp.spawnSync(cmd, args, {cwd: ROOT, encoding: 'utf8', maxBuffer: 256 << 20, ...opts});
  if (r.status !== 0) throw new Error(`\`${cmd} ${args.join(' ')}\` failed:\n${r.stdout}${r.stderr}`);
  return r.stdout;
}

/** The sources at `ref`, extracted under .scratch/ (inside the repository, so node_modules resolves). */
function sourcesAt(ref, dir) {
  fs.mkdirSync(dir, {recursive: true});
  const tar = path.join(dir, 'src.tar');
  sh('git', ['archive', '--format=tar', '-o', tar, ref, 'src']);
  sh('tar', ['-xf', tar, '-C', dir]);
  return path.join(dir, 'src', 'index.ts');
}

/** Maps the placeholders LIB, CORE, LAYERS and BEFORE to files. */
function placeholders(map) {
  return {
    name: 'placeholders',
    setup(build) {
      build.onResolve({filter: /^(LIB|CORE|LAYERS|BEFORE)$/}, args => ({path: map[args.path]}));
    },
  };
}

/** Bundles `source`; returns minified and gzipped bytes and the bytes per origin. */
async function measure(source, map, dir) {
  const result = await esbuild.build({
    stdin: {contents: source, resolveDir: dir, sourcefile: 'app.js', loader: 'js'},
    absWorkingDir: ROOT,
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2019',
    define: {'process.env.NODE_ENV': '"production"'},
    metafile: true,
    write: false,
    logLevel: 'error',
    plugins: [placeholders(map)],
  });
  const code = result.outputFiles[0].contents;
  const by = {library: 0, layers: 0};
  for (const [file, info] of Object.entries(Object.values(result.metafile.outputs)[0].inputs)) {
    if (file.includes('@tensorflow/tfjs-layers/')) by.layers += info.bytesInOutput;
    else if (!file.includes('node_modules/')) by.library += info.bytesInOutput;
  }
  return {min: code.length, gzip: zlib.gzipSync(code, {level: 9}).length, ...by};
}

const kB = n => `${(n / 1024).toFixed(1)} kB`;
const delta = (n, base) => `${n >= base ? '+' : '−'}${kB(Math.abs(n - base))}`;

async function main() {
  const args = process.argv.slice(2);
  const before = args.includes('--before') ? args[args.indexOf('--before') + 1] : BEFORE_REF;
  const scratch = path.join(ROOT, '.scratch', `bundle-size-${process.pid}`);
  try {
    const esm = path.join(scratch, 'esm');
    await buildEsmBundle(esm);
    const map = {
      LIB: path.join(esm, 'tfjs-linsolve.esm.mjs'),
      CORE: path.join(esm, 'tfjs-linsolve-core.esm.mjs'),
      LAYERS: path.join(esm, 'tfjs-linsolve-layers.esm.mjs'),
      BEFORE: sourcesAt(before, path.join(scratch, 'before')),
    };
    const rows = [];
    for (const [name, source] of apps()) rows.push([name, await measure(source, map, scratch)]);
    const [core, withGradients] = [rows[0][1], rows[1][1]];
    const head = sh('git', ['rev-parse', '--short', 'HEAD']).trim();
    const label = args.includes('--after-label') ? ` (${args[args.indexOf('--after-label') + 1]})` : '';
    const dirty = sh('git', ['status', '--porcelain', '--', 'src']).trim() !== '' ? ` + uncommitted src changes${label}` : label;
    const esbuildVersion = require('esbuild/package.json').version;
    const lines = [
      '# Bundle size of a tfjs-core + WebGL app',
      '',
      `\`node scripts/bundle-size.js\` (esbuild ${esbuildVersion}, ES module, minified, \`NODE_ENV=production\`, ` +
        `gzip level 9); before = sources at \`${before}\`, after = \`${head}\`${dirty}. Each app imports ` +
        '@tensorflow/tfjs-core and @tensorflow/tfjs-backend-webgl 4.22 and solves a 2×2 system with a gradient ' +
        '(the library apps), or runs a matMul (the baselines). "library" is what the library\'s own files add; ' +
        '"tfjs-layers" what @tensorflow/tfjs-layers adds.',
      '',
      '| app | minified | gzipped | vs core + webgl (min / gz) | vs core + webgl + gradients (min / gz) | library | tfjs-layers |',
      '|---|---|---|---|---|---|---|',
      ...rows.map(([name, r]) => `| ${name} | ${kB(r.min)} | ${kB(r.gzip)} | ${delta(r.min, core.min)} / ` +
        `${delta(r.gzip, core.gzip)} | ${delta(r.min, withGradients.min)} / ${delta(r.gzip, withGradients.gzip)} | ` +
        `${kB(r.library)} | ${kB(r.layers)} |`),
      '',
    ];
    const text = lines.join('\n');
    console.log(text);
    if (args.includes('--write')) {
      fs.writeFileSync(RESULT, text);
      console.log(`wrote ${path.relative(process.cwd(), RESULT)}`);
    }
  } finally {
    fs.rmSync(scratch, {recursive: true, force: true});
  }
}

main().catch(error => {
  console.error(error.message || error);
  process.exit(1);
});
