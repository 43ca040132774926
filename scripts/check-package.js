#!/usr/bin/env node
/**
 * Checks the npm tarball a user would install (`npm run check:package`, run by .ci/run):
 *
 *   1. builds dist/ (`npm run build`; skip with --no-build) and packs it as `npm run pack`
 *      does: `npm pack --ignore-scripts`, because .npmrc's ignore-scripts=true would skip a
 *      `prepack` anyway;
 *   2. the tarball holds every file package.json points at (main, module, types, exports,
 *      bin) and the Node ESM wrapper, and none of node_modules, caches, wheels or tests;
 *   3. publint --strict and @arethetypeswrong/cli report no problem on the tarball itself.
 *
 * Prints the tarball's size and file list. `--keep DIR` leaves the tarball in DIR (the
 * consumer test uses packTarball directly).
 */
'use strict';

const cp = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const ROOT = path.resolve(__dirname, '..');
const REQUIRED = ['package.json', 'README.md', 'dist/index.js', 'dist/index.d.ts', 'dist/index.mjs',
  'dist/index.d.mts', 'dist/tfjs-linsolve.esm.mjs', 'dist/tfjs-linsolve.min.js',
  'scripts/setup-tfjs-node.js',
  // The subpath entries, their stubs for resolvers without exports, the CommonJS gradients.
  'dist/coreApi.js', 'dist/coreApi.mjs', 'dist/tfjs-linsolve-core.esm.mjs', 'dist/extend.js', 'dist/extend.mjs', 'dist/layers/index.js', 'dist/layers/index.mjs',
  'dist/tfjs-linsolve-extend.esm.mjs', 'dist/tfjs-linsolve-layers.esm.mjs',
  'core/package.json', 'extend/package.json', 'layers/package.json', 'dist/core/registerGradients.js'];
const FORBIDDEN = /(^|\/)(node_modules|\.cache|__tests__)\/|\.(whl|tgz|log)$/;

function sh(cmd, args, opts = {}) {
  const r = cp.spawnSync(cmd, args, {cwd: ROOT, encoding: 'utf8', maxBuffer: 64 << 20, ...opts});
  if (r.status !== 0) {
    throw new Error(`\`${cmd} ${args.join(' ')}\` failed (exit ${r.status})\n${r.stdout}${r.stderr}`);
  }
  return r.stdout;
}

/** Builds (unless build is false) and packs into `dest`; returns npm pack's JSON entry + path. */
function packTarball(dest, {build = true} = {}) {
  if (build) sh('npm', ['run', 'build'], {stdio: ['ignore', 'ignore', 'inherit']});
  fs.mkdirSync(dest, {recursive: true});
  const [info] = JSON.parse(sh('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dest]));
  return {...info, tarball: path.join(dest, info.filename)};
}

/** Every file package.json names: main, module, types, bin and the leaves of exports. */
function declaredFiles(pkg) {
  const out = [pkg.main, pkg.module, pkg.types];
  const walk = v => {
    if (typeof v === 'string') out.push(v);
    else if (v && typeof v === 'object') Object.values(v).forEach(walk);
  };
  walk(pkg.exports);
  walk(pkg.bin);
  return out.filter(Boolean).map(f => path.posix.normalize(f.replace(/^\.\//, '')));
}

/** Problems with the packed file list (empty when fine). */
function fileListProblems(files, pkg) {
  const have = new Set(files);
  const problems = [];
  for (const f of new Set([...REQUIRED, ...declaredFiles(pkg)])) {
    if (!have.has(f)) problems.push(`missing from the tarball: ${f}`);
  }
  for (const f of files) if (FORBIDDEN.test(f)) problems.push(`should not be in the tarball: ${f}`);
  return problems;
}

function main() {
  const args = process.argv.slice(2);
  const keep = args.includes('--keep') ? path.resolve(args[args.indexOf('--keep') + 1]) : null;
  const dest = keep || fs.mkdtempSync(path.join(os.tmpdir(), 'tfjs-linsolve-pack-'));
  const t0 = Date.now();
  const info = packTarball(dest, {build: !args.includes('--no-build')});
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
  const files = info.files.map(f => f.path).sort();
  console.log(`${info.filename}: ${(info.size / 1024).toFixed(1)} kB packed, ` +
    `${(info.unpackedSize / 1024).toFixed(1)} kB unpacked, ${files.length} files`);
  const dirs = {};
  for (const f of files) {
    const d = f.includes('/') ? f.slice(0, f.lastIndexOf('/')) : '.';
    dirs[d] = (dirs[d] || 0) + 1;
  }
  for (const [d, n] of Object.entries(dirs)) console.log(`  ${d}/ ${n} file${n > 1 ? 's' : ''}`);
  const problems = fileListProblems(files, pkg);
  const bin = path.join(ROOT, 'node_modules', '.bin');
  const tools = [['publint', ['--strict', info.tarball]], ['attw', [info.tarball]]];
  for (const [tool, toolArgs] of tools) {
    const r = cp.spawnSync(path.join(bin, tool), toolArgs, {cwd: ROOT, encoding: 'utf8'});
    const text = `${r.stdout}${r.stderr}`.trim();
    console.log(`${tool}: ${r.status === 0 ? 'clean' : `exit ${r.status}`}`);
    if (r.status !== 0) problems.push(`${tool} found problems:\n${text}`);
  }
  if (!keep) fs.rmSync(dest, {recursive: true, force: true});
  if (problems.length) {
    console.error(`check:package FAILED\n- ${problems.join('\n- ')}`);
    process.exit(1);
  }
  console.log(`check:package OK (${((Date.now() - t0) / 1000).toFixed(1)} s)` +
    (keep ? `; tarball in ${info.tarball}` : ''));
}

module.exports = {packTarball, fileListProblems, declaredFiles};

if (require.main === module) {
  try {
    main();
  } catch (error) {
    console.error(error.message || error);
    process.exit(1);
  }
}
