#!/usr/bin/env node
/**
 * The dependency direction, checked (run by `npm test`):
 *
 *   core ← kernels ← operators (and gallery) ← solvers ← adjoints ← solve / linearSolve / factorize
 *
 * A file may import its own layer and the layers below it, never above. Code above `solve`
 * (src/layers, ode, learned, sublinear, linalg, tools) imports the library only through its
 * public API, src/index.ts (and the entries src/coreApi.ts, src/extend.ts, src/layers/index.ts; code above solve other than the layers imports src/coreApi.ts, so tfjs-linsolve/core never loads tfjs-layers); so do testing/, bench/ and examples/ (bench may also use testing/
 * the browser harness under __tests__/browser, and the build scripts). Packages (@tensorflow/*, node builtins,
 * dev tools) are not restricted here.
 *
 * Usage: node scripts/check-layers.js            (exit 1 and a list of violations)
 *        require('./check-layers').violations(files)   ({path: source} → messages)
 */
const fs = require('fs');
const path = require('path');

const LAYERS = ['core', 'kernels', 'operators', 'solvers', 'adjoints', 'api'];
const LAYER_OF_FOLDER = {core: 0, kernels: 1, operators: 2, gallery: 2, solvers: 3, adjoints: 4};
const ABOVE_SOLVE = ['layers', 'ode', 'learned', 'sublinear', 'linalg', 'tools'];
const PUBLIC_API = 'src/index.ts';
/** The main entry without the layers (tfjs-linsolve/core), which code above solve imports. */
const CORE_API = 'src/coreApi.ts';
/** The extension entry (tfjs-linsolve/extend): public too, for code that builds on the library. */
const EXTEND_API = 'src/extend.ts';
/** The layers entry (tfjs-linsolve/layers), public to testing/, bench/ and examples/. */
const LAYERS_API = 'src/layers/index.ts';

/** What a repository path may import: a layer number, or a list of allowed path prefixes. */
function ruleOf(file) {
  const parts = file.split('/');
  if (parts[0] === 'src') {
    // The public API re-exports every layer, and what is built above solve.
    if (file === PUBLIC_API || file === CORE_API || file === EXTEND_API) return null;
    if (parts.length === 2) return {layer: LAYERS.indexOf('api')};
    if (ABOVE_SOLVE.includes(parts[1])) {
      // Only the layers may import the main entry: the rest stays clear of tfjs-layers.
      const api = parts[1] === 'layers' ? [PUBLIC_API, CORE_API] : [CORE_API];
      return {allow: [...api, EXTEND_API, `src/${parts[1]}/`], what: `src/${parts[1]}`};
    }
    if (parts[1] in LAYER_OF_FOLDER) return {layer: LAYER_OF_FOLDER[parts[1]]};
    return {allow: [PUBLIC_API], what: `src/${parts[1]}`};
  }
  if (parts[0] === 'testing') return {allow: [PUBLIC_API, CORE_API, EXTEND_API, LAYERS_API, 'testing/'], what: 'testing'};
  if (parts[0] === 'bench') return {allow: [PUBLIC_API, CORE_API, EXTEND_API, LAYERS_API, 'testing/', 'bench/', '__tests__/browser/', 'scripts/'], what: 'bench'};
  if (parts[0] === 'examples') return {allow: [PUBLIC_API, CORE_API, EXTEND_API, LAYERS_API, 'testing/', 'examples/'], what: 'examples'};
  return null;
}

function layerOfTarget(target) {
  const parts = target.split('/');
  if (parts[0] !== 'src') return null;
  if (parts.length === 2) return LAYERS.indexOf('api');
  return parts[1] in LAYER_OF_FOLDER ? LAYER_OF_FOLDER[parts[1]] : Infinity;
}

/** Relative import specifiers of a TypeScript source (static, dynamic, require, `import type`). */
function importsOf(source) {
  const specs = [];
  const re = /(?:\bfrom\s+|\bimport\s*\(\s*|\brequire\s*\(\s*|^\s*import\s+)(['"])(\.{1,2}\/[^'"]*)\1/gm;
  let m;
  while ((m = re.exec(source)) != null) specs.push(m[2]);
  return specs;
}

/** `spec` imported from `file`, as a repository path of a .ts file (directories → index.ts). */
function resolve(file, spec, exists) {
  const base = path.posix.normalize(path.posix.join(path.posix.dirname(file), spec));
  for (const candidate of [base, `${base}.ts`, `${base}/index.ts`, base.replace(/\.js$/, '.ts')]) {
    if (exists(candidate)) return candidate;
  }
  return `${base}.ts`;
}

/** Violations in `files` ({repository path: source}). */
function violations(files) {
  const exists = p => Object.prototype.hasOwnProperty.call(files, p);
  const found = [];
  for (const [file, source] of Object.entries(files)) {
    const rule = ruleOf(file);
    if (rule == null) continue;
    for (const spec of importsOf(source)) {
      const target = resolve(file, spec, exists);
      if (rule.allow != null) {
        if (!rule.allow.some(a => target === a || (a.endsWith('/') && target.startsWith(a)))) {
          found.push(`${file} imports ${target}: ${rule.what} may import only ${rule.allow.join(', ')}`);
        }
        continue;
      }
      const layer = layerOfTarget(target);
      if (layer == null) continue;
      if (layer > rule.layer) {
        const name = l => (l === Infinity ? 'code above solve' : LAYERS[l]);
        found.push(`${file} (${name(rule.layer)}) imports ${target} (${name(layer)}), a layer above it`);
      }
    }
  }
  return found;
}

function listFiles(root, dir, out) {
  for (const entry of fs.readdirSync(path.join(root, dir), {withFileTypes: true})) {
    const rel = dir === '' ? entry.name : `${dir}/${entry.name}`;
    if (entry.isDirectory()) {
      if (entry.name !== 'node_modules' && !entry.name.startsWith('.')) listFiles(root, rel, out);
    } else if (rel.endsWith('.ts')) {
      out[rel] = fs.readFileSync(path.join(root, rel), 'utf8');
    }
  }
  return out;
}

if (require.main === module) {
  const root = path.resolve(__dirname, '..');
  const files = {};
  for (const dir of ['src', 'testing', 'bench', 'examples']) {
    if (fs.existsSync(path.join(root, dir))) listFiles(root, dir, files);
  }
  const found = violations(files);
  if (found.length > 0) {
    console.error(`Dependency direction violated (${found.length}):\n  ${found.join('\n  ')}`);
    process.exit(1);
  }
  console.log(`check-layers: ${Object.keys(files).length} files, imports point down the layers.`);
}

module.exports = {violations};
