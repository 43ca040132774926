#!/usr/bin/env node
/**
 * Make sure the native addon of @tensorflow/tfjs-node is built and works.
 *
 * Run by `npm test`, `npm start`, `npm run setup` and `npm run bench` in this
 * repository, and in a project that depends on tfjs-linsolve as its bin:
 *
 *   npx tfjs-linsolve-setup-node [--project DIR]
 *
 * It sets up the @tensorflow/tfjs-node that the PROJECT resolves (the current
 * directory, or DIR), never a copy inside tfjs-linsolve.  It is idempotent;
 * the usual case (addon already working) takes about a second.
 *
 * Why this exists: the repo's .npmrc sets ignore-scripts=true, so the install
 * script of @tensorflow/tfjs-node (which downloads libtensorflow 2.9.1 and a
 * prebuilt addon from storage.googleapis.com) never runs, and on machines
 * without access to that CDN it could not run anyway.
 *
 * Steps:
 *   1. If `require('@tensorflow/tfjs-node')` works in a child process and a
 *      tiny matMul runs on the 'tensorflow' backend, print one line, exit 0.
 *   2. Otherwise run the package's own install script (`node
 *      scripts/install.js`, its `scripts.install`) with a timeout; done if
 *      the check then passes.  Skipped when the deps staged by step 3 are
 *      already present (install.js would delete them).
 *   3. Offline path: `pip download --no-deps tensorflow-cpu==2.21.0` into
 *      the user cache directory (reused on later runs, by every project), take
 *      the C/C++ headers and libtensorflow_cc.so.2 / libtensorflow_framework
 *      .so.2 out of the wheel (libtensorflow_cc exports the C and eager C
 *      APIs), stage them as the package's deps/include and deps/lib, and
 *      build the addon with `node-pre-gyp install --build-from-source
 *      --nodedir=<node headers>`.  Then check again.
 *
 * Environment knobs (all optional):
 *   TFJS_LINSOLVE_TF_WHEEL           pip requirement, default tensorflow-cpu==2.21.0
 *   TFJS_LINSOLVE_CACHE_DIR          wheel cache and lock; default
 *                                    $XDG_CACHE_HOME/tfjs-linsolve, else ~/.cache/tfjs-linsolve
 *   TFJS_LINSOLVE_PROJECT            the project whose tfjs-node to set up (as --project)
 *   TFJS_LINSOLVE_SKIP_CDN=1         skip step 2 (the package's own download)
 *   TFJS_LINSOLVE_INSTALL_TIMEOUT_S  timeout of step 2, default 60
 *   TFJS_LINSOLVE_SETUP_VERBOSE=1    stream the output of every command
 *   PYTHON                           python used for pip/unzip, default python3
 *   npm_config_nodedir               Node headers dir (contains include/node)
 *
 * Plain CommonJS, Node builtins only.
 */
'use strict';

const cp = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const T0 = Date.now();
const USAGE = `Usage: tfjs-linsolve-setup-node [--project DIR] [--where]

Makes require('@tensorflow/tfjs-node') work in the project at DIR (default: the
current directory): tries tfjs-node's own libtensorflow download, else builds
the addon from TensorFlow's CPU wheel fetched with pip (cached per user).
Install tfjs-node first, e.g. \`npm install --ignore-scripts @tensorflow/tfjs-node\`.
--where prints the project, its tfjs-node and the cache directory, and exits.
Environment knobs: see the header of ${__filename}.`;

let WHERE = false;

/** The --project DIR argument (or TFJS_LINSOLVE_PROJECT), else the current directory. */
function projectDir(argv) {
  let dir = process.env.TFJS_LINSOLVE_PROJECT || '';
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '-h' || a === '--help') {
      console.log(USAGE);
      process.exit(0);
    } else if (a === '--where') {
      WHERE = true;
    } else if (a === '--project' && i + 1 < argv.length) {
      dir = argv[++i];
    } else if (a.startsWith('--project=')) {
      dir = a.slice('--project='.length);
    } else {
      console.error(`[setup] unknown argument ${a}\n${USAGE}`);
      process.exit(2);
    }
  }
  return path.resolve(dir || process.cwd());
}

/**
 * The per-user cache: the wheel is ~262 MB and the same for every project, so it lives
 * outside any node_modules (and survives `npm ci`).
 */
function userCacheDir() {
  if (process.env.TFJS_LINSOLVE_CACHE_DIR) return path.resolve(process.env.TFJS_LINSOLVE_CACHE_DIR);
  const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(base, 'tfjs-linsolve');
}

// The consumer's project (where node_modules/@tensorflow/tfjs-node is resolved from).
const ROOT = projectDir(process.argv.slice(2));
const VERBOSE = /^(1|true|yes)$/i.test(process.env.TFJS_LINSOLVE_SETUP_VERBOSE || '');
const TF_WHEEL_SPEC = process.env.TFJS_LINSOLVE_TF_WHEEL || 'tensorflow-cpu==2.21.0';
const CACHE_DIR = userCacheDir();
const WHEEL_DIR = path.join(CACHE_DIR, 'wheels');
// Where versions before 0.2 kept the wheel; still read so an existing download is reused.
const LEGACY_WHEEL_DIR = path.join(ROOT, 'node_modules', '.cache', 'tfjs-linsolve', 'wheels');
const LOCK_DIR = path.join(CACHE_DIR, 'setup.lock');
const PYTHON = process.env.PYTHON || 'python3';
const SKIP_CDN = /^(1|true|yes)$/i.test(process.env.TFJS_LINSOLVE_SKIP_CDN || '');
const INSTALL_TIMEOUT_MS =
    1000 * (Number(process.env.TFJS_LINSOLVE_INSTALL_TIMEOUT_S) || 60);
const MARKER_NAME = '.tfjs-linsolve-staged.json';

// ---------------------------------------------------------------- utilities

function log(msg) {
  console.log(`[setup] ${msg}`);
}

/** A path for messages: relative inside the project, else absolute with ~ for the home dir. */
function show(p) {
  const rel = path.relative(ROOT, p);
  if (rel && !rel.startsWith('..') && !path.isAbsolute(rel)) return rel;
  const home = os.homedir();
  return p.startsWith(home + path.sep) ? `~${p.slice(home.length)}` : p;
}

function secs(ms) {
  return `${(ms / 1000).toFixed(1)} s`;
}

class SetupError extends Error {
  constructor(message, output) {
    super(message);
    this.output = output || '';
  }
}

function tail(text, lines = 40) {
  const all = String(text || '').replace(/\s+$/, '').split('\n');
  return all.slice(-lines).join('\n');
}

// Child processes currently running; killed (whole process group) on signals.
const active = new Set();

/**
 * Runs a command; resolves to {code, signal, output, timedOut, ms}.  stdout
 * and stderr are captured together (last ~256 KiB kept) unless VERBOSE.  The
 * child gets its own process group so a timeout also kills grandchildren.
 */
function run(cmd, args, {cwd = ROOT, env = process.env, timeoutMs = 0, stream = VERBOSE} = {}) {
  return new Promise((resolve) => {
    const start = Date.now();
    let output = '';
    const append = (chunk) => {
      output += chunk.toString();
      if (output.length > 512 * 1024) output = output.slice(-256 * 1024);
    };
    let child;
    try {
      child = cp.spawn(cmd, args, {
        cwd,
        env,
        detached: true,
        stdio: ['ignore', stream ? 'inherit' : 'pipe', stream ? 'inherit' : 'pipe'],
      });
    } catch (err) {
      resolve({code: -1, signal: null, output: String(err), timedOut: false, ms: 0});
      return;
    }
    active.add(child);
    if (!stream) {
      child.stdout.on('data', append);
      child.stderr.on('data', append);
    }
    let timedOut = false;
    const timer = timeoutMs > 0 ? setTimeout(() => {
      timedOut = true;
      killGroup(child, 'SIGKILL');
    }, timeoutMs) : null;
    let done = false;
    const finish = (code, signal, extra) => {
      if (done) return;
      done = true;
      if (timer) clearTimeout(timer);
      active.delete(child);
      if (extra) append(`\n${extra}\n`);
      resolve({code, signal, output, timedOut, ms: Date.now() - start});
    };
    child.on('error', (err) => finish(-1, null, String(err)));
    child.on('close', (code, signal) => finish(code, signal));
  });
}

function killGroup(child, signal) {
  try {
    process.kill(-child.pid, signal);
  } catch (_) {
    try {
      child.kill(signal);
    } catch (_) { /* already gone */ }
  }
}

function which(name) {
  const r = cp.spawnSync('sh', ['-c', `command -v "${name}"`], {encoding: 'utf8'});
  return r.status === 0 ? r.stdout.trim() : null;
}

function rmrf(p) {
  fs.rmSync(p, {recursive: true, force: true});
}

function describeExit(r) {
  if (r.timedOut) return `timed out after ${secs(r.ms)}`;
  if (r.signal) return `killed by ${r.signal}`;
  return `exit code ${r.code}`;
}

// ------------------------------------------------------------ package paths

function findTfjsNodeDir() {
  try {
    return path.dirname(
        require.resolve('@tensorflow/tfjs-node/package.json', {paths: [ROOT]}));
  } catch (_) {
    throw new SetupError(
        `@tensorflow/tfjs-node is not installed in ${ROOT} (nor in a node_modules above it). ` +
        'Install it first: `npm install --ignore-scripts @tensorflow/tfjs-node` (or run this ' +
        'from your project\'s directory, or pass --project DIR).');
  }
}

/**
 * Where node-pre-gyp puts (and tfjs-node loads) the addon: binding.module_path
 * with {napi_build_version} = the highest of binding.napi_versions that this
 * Node supports (napi-v8 on Node 20: the package lists 3..8, Node 20 has 9).
 */
function addonDir(pkgDir) {
  const pkg = JSON.parse(fs.readFileSync(path.join(pkgDir, 'package.json'), 'utf8'));
  const binary = pkg.binary || {};
  const modulePath = binary.module_path || './lib/napi-v{napi_build_version}';
  const nodeNapi = Number(process.versions.napi);
  const usable = (binary.napi_versions || []).map(Number).filter((v) => v <= nodeNapi);
  const napi = usable.length ? Math.max(...usable) : nodeNapi;
  return path.resolve(pkgDir, modulePath.replace('{napi_build_version}', String(napi)));
}

// -------------------------------------------------------- step 1: the check

// Runs in a child process: importing tfjs-node loads libtensorflow (which
// also prints oneDNN/cpu-feature notes to stderr), so keep that out of here.
// The tfjs-node to load comes in TFJS_LINSOLVE_TFJS_NODE (the project's, resolved by us).
const CHECK_SRC = `
const tf = require(process.env.TFJS_LINSOLVE_TFJS_NODE);
const backend = tf.getBackend();
if (backend !== 'tensorflow') {
  console.error('active tfjs backend is ' + backend + ', expected tensorflow');
  process.exit(3);
}
const y = tf.matMul(tf.tensor2d([[1, 2], [3, 4]]), tf.tensor2d([[1], [1]])).dataSync();
if (y.length !== 2 || y[0] !== 3 || y[1] !== 7) {
  console.error('tf.matMul gave a wrong result: ' + Array.from(y));
  process.exit(4);
}
let lib = '?';
try { lib = tf.backend().binding.TF_Version; } catch (_) {}
console.log('TFJS_CHECK_OK ' + JSON.stringify({tfjsNode: tf.version['tfjs-node'], libtensorflow: lib}));
`;

async function check(pkgDir) {
  const env = {...process.env, TFJS_LINSOLVE_TFJS_NODE: pkgDir};
  const r = await run(process.execPath, ['-e', CHECK_SRC],
      {cwd: ROOT, env, timeoutMs: 120000, stream: false});
  const m = /TFJS_CHECK_OK (\{.*\})/.exec(r.output);
  if (r.code === 0 && m) {
    let info = {};
    try {
      info = JSON.parse(m[1]);
    } catch (_) { /* cosmetic only */ }
    return {ok: true, info, ms: r.ms};
  }
  return {ok: false, output: r.output, why: describeExit(r), ms: r.ms};
}

function okLine(c, extra) {
  const v = c.info.tfjsNode ? ` ${c.info.tfjsNode}` : '';
  const lib = c.info.libtensorflow ? `, libtensorflow ${c.info.libtensorflow}` : '';
  return `@tensorflow/tfjs-node${v} OK (tensorflow backend${lib})${extra || ''}`;
}

// -------------------------------------------------------------------- lock

function processAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err.code === 'EPERM';
  }
}

let lockHeld = false;

function releaseLock() {
  if (!lockHeld) return;
  lockHeld = false;
  rmrf(LOCK_DIR);
}

/** mkdir-based lock so concurrent `npm test` runs don't build on top of each other. */
async function acquireLock() {
  try {
    fs.mkdirSync(CACHE_DIR, {recursive: true});
  } catch (err) {
    throw new SetupError(`cannot create the cache directory ${CACHE_DIR} (${err.code}); ` +
        'set TFJS_LINSOLVE_CACHE_DIR (or XDG_CACHE_HOME) to a writable directory');
  }
  const deadline = Date.now() + 30 * 60 * 1000;
  let announced = false;
  for (;;) {
    try {
      fs.mkdirSync(LOCK_DIR);
      fs.writeFileSync(path.join(LOCK_DIR, 'pid'), String(process.pid));
      lockHeld = true;
      return;
    } catch (err) {
      if (err.code !== 'EEXIST') throw err;
    }
    let pid = NaN;
    try {
      pid = Number(fs.readFileSync(path.join(LOCK_DIR, 'pid'), 'utf8'));
    } catch (_) { /* being created or removed */ }
    let age = 0;
    try {
      age = Date.now() - fs.statSync(LOCK_DIR).mtimeMs;
    } catch (_) { continue; }
    if ((pid && !processAlive(pid)) || (!pid && age > 60000)) {
      log(`removing stale lock ${show(LOCK_DIR)} (pid ${pid || '?'})`);
      rmrf(LOCK_DIR);
      continue;
    }
    if (Date.now() > deadline) {
      throw new SetupError(
          `timed out waiting for another setup (pid ${pid}) holding ${LOCK_DIR}; ` +
          'if no setup is running, delete that directory and retry');
    }
    if (!announced) {
      log(`another setup (pid ${pid || '?'}) is running; waiting for it...`);
      announced = true;
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
}

/** Leftovers of an interrupted run (we hold the lock, so nobody else is using them). */
function sweepTempDirs(pkgDir) {
  const sweep = (dir, re) => {
    let names = [];
    try {
      names = fs.readdirSync(dir);
    } catch (_) { return; }
    for (const n of names) if (re.test(n)) rmrf(path.join(dir, n));
  };
  sweep(pkgDir, /^deps\.tmp-\d+$/);
  sweep(CACHE_DIR, /^download-\d+$/);
}

function onSignal(sig) {
  for (const child of active) killGroup(child, 'SIGKILL');
  releaseLock();
  process.exit(sig === 'SIGINT' ? 130 : 143);
}

// ---------------------------------------- step 2: the package's own install

async function tryPackageInstall(pkgDir) {
  const pkgJsonPath = path.join(pkgDir, 'package.json');
  const pkg = JSON.parse(fs.readFileSync(pkgJsonPath, 'utf8'));
  const script = (pkg.scripts && pkg.scripts.install) || 'node scripts/install.js';
  const m = /^node\s+(\S+)\s*(.*)$/.exec(script.trim());
  if (!m) {
    log(`skipping tfjs-node install script (unexpected form: ${script})`);
    return;
  }
  log(`trying tfjs-node's own install (${script}: downloads libtensorflow ` +
      `from Google's CDN; timeout ${secs(INSTALL_TIMEOUT_MS)})...`);
  // install.js rewrites its package.json while building and restores it
  // afterwards; if it gets killed midway, restore it ourselves.
  const pkgJsonBefore = fs.readFileSync(pkgJsonPath, 'utf8');
  const args = [m[1], ...m[2].split(/\s+/).filter(Boolean)];
  const r = await run(process.execPath, args,
      {cwd: pkgDir, env: buildEnv(pkgDir), timeoutMs: INSTALL_TIMEOUT_MS});
  if (fs.readFileSync(pkgJsonPath, 'utf8') !== pkgJsonBefore) {
    fs.writeFileSync(pkgJsonPath, pkgJsonBefore);
  }
  if (r.code === 0) {
    log(`tfjs-node install script finished (${secs(r.ms)})`);
  } else {
    const firstErr = (/(Error: [^\n]*)/.exec(r.output) || [])[1];
    log(`tfjs-node install script failed (${r.timedOut ? describeExit(r) :
      `${describeExit(r)}, ${secs(r.ms)}`})` +
        (firstErr ? `: ${firstErr.trim()}` : ''));
    // It leaves an empty or half-unpacked deps/ behind; don't trust it.
    if (!fs.existsSync(path.join(pkgDir, 'deps', 'lib', 'libtensorflow.so'))) {
      rmrf(path.join(pkgDir, 'deps'));
    }
  }
}

// ------------------------------------------------- step 3: offline (pip) path

function parseSpec(spec) {
  const m = /^\s*([A-Za-z0-9_.-]+)\s*==\s*([A-Za-z0-9_.+!-]+)\s*$/.exec(spec);
  if (!m) {
    throw new SetupError(
        `TFJS_LINSOLVE_TF_WHEEL must look like name==version, got "${spec}"`);
  }
  // Wheel file names use the normalized project name with '_'.
  return {name: m[1].toLowerCase().replace(/[-_.]+/g, '_'), version: m[2]};
}

function findCachedWheel() {
  const {name, version} = parseSpec(TF_WHEEL_SPEC);
  const prefix = `${name}-${version}-`;
  for (const dir of [WHEEL_DIR, LEGACY_WHEEL_DIR]) {
    if (!fs.existsSync(dir)) continue;
    const hits = fs.readdirSync(dir)
        .filter((f) => f.toLowerCase().startsWith(prefix) && f.endsWith('.whl'))
        .sort();
    if (hits.length) return path.join(dir, hits[hits.length - 1]);
  }
  return null;
}

async function ensureWheel() {
  const cached = findCachedWheel();
  if (cached) {
    log(`using cached wheel ${show(cached)}`);
    return cached;
  }
  if (!which(PYTHON)) {
    throw new SetupError(`${PYTHON} not found; it is needed to fetch ${TF_WHEEL_SPEC} ` +
        'with pip (or set PYTHON=/path/to/python3)');
  }
  // pip writes straight into -d, so download into a scratch dir and move the
  // wheel into the cache only when complete.
  const tmp = path.join(CACHE_DIR, `download-${process.pid}`);
  rmrf(tmp);
  fs.mkdirSync(tmp, {recursive: true});
  const base = ['-m', 'pip', 'download', '--no-deps', '--only-binary=:all:',
    '--disable-pip-version-check', '--progress-bar', 'off', '-d', tmp];
  log(`downloading ${TF_WHEEL_SPEC} wheel with pip (~275 MB, once; cached in ` +
      `${show(WHEEL_DIR)})...`);
  let r = await run(PYTHON, [...base, TF_WHEEL_SPEC], {timeoutMs: 30 * 60 * 1000});
  if (r.code !== 0) {
    // The shared libraries are the same in every CPython build of the wheel;
    // if this interpreter has no matching wheel, ask for the cp311 one.
    log(`pip download failed (${describeExit(r)}); retrying for the cp311 manylinux wheel...`);
    const first = r.output;
    r = await run(PYTHON, [...base, '--python-version', '3.11',
      '--platform', 'manylinux_2_27_x86_64', '--platform', 'manylinux_2_17_x86_64',
      '--platform', 'manylinux2014_x86_64', TF_WHEEL_SPEC], {timeoutMs: 30 * 60 * 1000});
    if (r.code !== 0) {
      rmrf(tmp);
      throw new SetupError(
          `\`${PYTHON} -m pip download --no-deps ${TF_WHEEL_SPEC}\` failed (${describeExit(r)}). ` +
          'pip needs access to PyPI or to an index/find-links that has this wheel; ' +
          `alternatively put the .whl file into ${WHEEL_DIR} yourself.`,
          `${tail(first, 15)}\n--- retry ---\n${r.output}`);
    }
  }
  const got = fs.readdirSync(tmp).filter((f) => f.endsWith('.whl'));
  if (got.length !== 1) {
    rmrf(tmp);
    throw new SetupError(`pip download produced ${got.length} wheels in ${tmp}, expected 1`,
        r.output);
  }
  fs.mkdirSync(WHEEL_DIR, {recursive: true});
  const dest = path.join(WHEEL_DIR, got[0]);
  fs.renameSync(path.join(tmp, got[0]), dest);
  rmrf(tmp);
  log(`downloaded ${got[0]} (${secs(r.ms)})`);
  return dest;
}

// Extracts headers and the two shared libraries from the wheel (a zip).
const EXTRACT_PY = String.raw`
import os, shutil, sys, zipfile
whl, dest = sys.argv[1], sys.argv[2]
INC = 'tensorflow/include/'
LIBS = {'tensorflow/libtensorflow_cc.so.2': 'libtensorflow_cc.so.2',
        'tensorflow/libtensorflow_framework.so.2': 'libtensorflow_framework.so.2'}
dest_real = os.path.realpath(dest)
n_inc = 0
with zipfile.ZipFile(whl) as z:
    names = set(z.namelist())
    missing = [k for k in LIBS if k not in names]
    if missing:
        sys.exit('wheel does not contain ' + ', '.join(missing))
    if INC + 'tensorflow/c/c_api.h' not in names:
        sys.exit('wheel does not contain ' + INC + 'tensorflow/c/c_api.h')
    for info in z.infolist():
        fn = info.filename
        if fn in LIBS:
            out = os.path.join(dest, 'lib', LIBS[fn])
        elif fn.startswith(INC) and not fn.endswith('/'):
            out = os.path.join(dest, 'include', fn[len(INC):])
            n_inc += 1
        else:
            continue
        if not os.path.realpath(out).startswith(dest_real + os.sep):
            sys.exit('refusing to extract outside the target dir: ' + fn)
        os.makedirs(os.path.dirname(out), exist_ok=True)
        with z.open(info) as src, open(out, 'wb') as dst:
            shutil.copyfileobj(src, dst, 4 << 20)
print('extracted %d headers and %d libraries' % (n_inc, len(LIBS)))
`;

function readMarker(pkgDir) {
  try {
    return JSON.parse(fs.readFileSync(path.join(pkgDir, 'deps', MARKER_NAME), 'utf8'));
  } catch (_) {
    return null;
  }
}

/** True when deps/ holds a complete staging of the wanted wheel from step 3. */
function haveStagedDeps(pkgDir) {
  const marker = readMarker(pkgDir);
  if (!marker || marker.spec !== TF_WHEEL_SPEC) return false;
  const deps = path.join(pkgDir, 'deps');
  return ['include/tensorflow/c/c_api.h', 'include/tensorflow/c/eager/c_api.h',
    'lib/libtensorflow.so', 'lib/libtensorflow.so.2', 'lib/libtensorflow_cc.so.2',
    'lib/libtensorflow_framework.so', 'lib/libtensorflow_framework.so.2']
      .every((p) => fs.existsSync(path.join(deps, p)));
}

async function stageDeps(pkgDir, wheel) {
  const deps = path.join(pkgDir, 'deps');
  const tmp = path.join(pkgDir, `deps.tmp-${process.pid}`);
  rmrf(tmp);
  fs.mkdirSync(path.join(tmp, 'lib'), {recursive: true});
  log(`extracting headers and libtensorflow_cc/_framework.so.2 from the wheel into ` +
      `${show(deps)}/ ...`);
  const r = await run(PYTHON, ['-c', EXTRACT_PY, wheel, tmp], {timeoutMs: 15 * 60 * 1000});
  if (r.code !== 0) {
    rmrf(tmp);
    // A truncated/corrupt wheel: drop it so the next run downloads it again.
    const err = new SetupError(
        `extracting ${path.basename(wheel)} failed (${describeExit(r)})`, r.output);
    if (/BadZipFile|not a zip file|Bad magic|CRC|does not contain/i.test(r.output)) {
      rmrf(wheel);
      log(`${show(wheel)} is not a usable wheel (${tail(r.output, 1)}); removed it`);
      err.badWheel = true;
    }
    throw err;
  }
  // libtensorflow_cc.so.2 exports the C API (TF_*) and the eager C API
  // (TFE_*), so it stands in for libtensorflow.so; its SONAME is
  // libtensorflow_cc.so.2, which is what the addon ends up depending on.
  const lib = path.join(tmp, 'lib');
  fs.symlinkSync('libtensorflow_cc.so.2', path.join(lib, 'libtensorflow.so'));
  fs.symlinkSync('libtensorflow_cc.so.2', path.join(lib, 'libtensorflow.so.2'));
  fs.symlinkSync('libtensorflow_framework.so.2', path.join(lib, 'libtensorflow_framework.so'));
  fs.writeFileSync(path.join(tmp, MARKER_NAME), JSON.stringify({
    spec: TF_WHEEL_SPEC,
    wheel: path.basename(wheel),
    stagedAt: new Date().toISOString(),
    by: 'scripts/setup-tfjs-node.js (tfjs-linsolve)',
  }, null, 2) + '\n');
  rmrf(deps);
  fs.renameSync(tmp, deps);
  log(`staged deps (${(r.output.match(/extracted .*/) || [''])[0]}, ${secs(r.ms)})`);
}

async function stageFromWheel(pkgDir) {
  try {
    await stageDeps(pkgDir, await ensureWheel());
  } catch (err) {
    if (!err.badWheel) throw err;
    log('downloading the wheel again');
    await stageDeps(pkgDir, await ensureWheel());
  }
}

// ------------------------------------------------------------ build helpers

function findNodeGyp(pkgDir) {
  const candidates = [];
  if (process.env.npm_config_node_gyp) candidates.push(process.env.npm_config_node_gyp);
  try {
    candidates.push(require.resolve('node-gyp/bin/node-gyp.js', {paths: [pkgDir, ROOT]}));
  } catch (_) { /* not a local dependency */ }
  if (process.env.npm_execpath) {
    // npm sets this to .../npm/bin/npm-cli.js when it runs our script.
    candidates.push(path.resolve(path.dirname(process.env.npm_execpath),
        '../node_modules/node-gyp/bin/node-gyp.js'));
  }
  const prefix = path.resolve(path.dirname(process.execPath), '..');
  candidates.push(path.join(prefix, 'lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js'));
  candidates.push('/usr/lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js');
  candidates.push('/usr/local/lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js');
  candidates.push('/usr/share/nodejs/node-gyp/bin/node-gyp.js');  // Debian's node-gyp package
  return candidates.find((c) => c && fs.existsSync(c)) || null;
}

function nodeHeadersMajor(dir) {
  try {
    const h = fs.readFileSync(path.join(dir, 'include/node/node_version.h'), 'utf8');
    const m = /#define\s+NODE_MAJOR_VERSION\s+(\d+)/.exec(h);
    return m ? Number(m[1]) : null;
  } catch (_) {
    return null;
  }
}

/**
 * A directory usable as node-gyp's --nodedir (it has include/node/node_api.h
 * and common.gypi) for this Node's major version, so node-gyp needs no
 * download of headers.  Returns {nodedir} or {nodedir: null} when node-gyp's
 * own header cache already has this version; null when nothing is found.
 */
function findNodeHeaders() {
  const major = Number(process.versions.node.split('.')[0]);
  const candidates = [];
  if (process.env.npm_config_nodedir) candidates.push(process.env.npm_config_nodedir);
  candidates.push(path.resolve(path.dirname(process.execPath), '..'));  // /usr, nvm, tarball
  candidates.push('/usr', '/usr/local');
  const usable = (d) => fs.existsSync(path.join(d, 'include/node/node_api.h')) &&
      fs.existsSync(path.join(d, 'include/node/common.gypi'));
  for (const d of candidates) {
    if (usable(d) && nodeHeadersMajor(d) === major) return {nodedir: d};
  }
  const cacheRoots = [process.env.npm_config_devdir,
    process.env.XDG_CACHE_HOME && path.join(process.env.XDG_CACHE_HOME, 'node-gyp'),
    path.join(os.homedir(), '.cache', 'node-gyp'), path.join(os.homedir(), '.node-gyp')];
  for (const c of cacheRoots) {
    if (c && fs.existsSync(path.join(c, process.versions.node, 'include/node/node_api.h'))) {
      return {nodedir: null};
    }
  }
  // Headers of another major still work for this N-API addon; better than nothing.
  for (const d of candidates) {
    if (usable(d)) return {nodedir: d};
  }
  return null;
}

function buildEnv(pkgDir) {
  const bins = [path.join(pkgDir, 'node_modules', '.bin'), path.join(ROOT, 'node_modules', '.bin'),
    path.dirname(process.execPath)];
  const env = {...process.env, PATH: [...bins, process.env.PATH || ''].join(path.delimiter)};
  const gyp = findNodeGyp(pkgDir);
  if (gyp) env.npm_config_node_gyp = gyp;
  return env;
}

async function buildAddon(pkgDir) {
  const missing = [];
  if (!which('make')) missing.push('make');
  if (!which(process.env.CXX || 'g++') && !which('c++')) missing.push('g++');
  if (!which(PYTHON) && !which('python3')) missing.push('python3');
  if (missing.length) {
    throw new SetupError(`building the addon needs ${missing.join(', ')}, which ` +
        `${missing.length > 1 ? 'are' : 'is'} not on PATH; e.g. \`apt-get install -y ` +
        'build-essential python3`');
  }
  const headers = findNodeHeaders();
  if (!headers) {
    throw new SetupError(
        `no Node.js ${process.versions.node} headers found (looked for include/node/node_api.h ` +
        `under ${path.resolve(path.dirname(process.execPath), '..')}, /usr, /usr/local and ` +
        'the node-gyp cache). Install them (Debian: `apt-get install -y libnode-dev`, or ' +
        'use the official Node tarball/nvm which ships include/node), or set ' +
        'npm_config_nodedir to a directory containing include/node.');
  }
  let preGyp;
  try {
    const pj = require.resolve('@mapbox/node-pre-gyp/package.json', {paths: [pkgDir, ROOT]});
    const bin = JSON.parse(fs.readFileSync(pj, 'utf8')).bin;
    preGyp = path.resolve(path.dirname(pj), typeof bin === 'string' ? bin : bin['node-pre-gyp']);
  } catch (_) {
    throw new SetupError('@mapbox/node-pre-gyp (a dependency of @tensorflow/tfjs-node) ' +
        'is missing from node_modules; run `npm ci`.');
  }
  const args = [preGyp, 'install', '--build-from-source'];
  if (headers.nodedir) args.push(`--nodedir=${headers.nodedir}`);
  log(`building the addon: node-pre-gyp ${args.slice(1).join(' ')} ...`);
  rmrf(addonDir(pkgDir));  // never leave a stale addon next to new deps
  const r = await run(process.execPath, args,
      {cwd: pkgDir, env: buildEnv(pkgDir), timeoutMs: 20 * 60 * 1000});
  if (r.code !== 0) {
    throw new SetupError(`building the tfjs-node addon failed (${describeExit(r)})`, r.output);
  }
  log(`built ${show(path.join(addonDir(pkgDir), 'tfjs_binding.node'))} ` +
      `(${secs(r.ms)})`);
}

async function buildAndCheck(pkgDir) {
  await buildAddon(pkgDir);
  return check(pkgDir);
}

// -------------------------------------------------------------------- main

async function main() {
  if (WHERE) {
    let tfjsNode = null;
    try {
      tfjsNode = findTfjsNodeDir();
    } catch (_) { /* reported as null */ }
    console.log(JSON.stringify({project: ROOT, tfjsNode, cacheDir: CACHE_DIR, wheelDir: WHEEL_DIR}));
    return;
  }
  const pkgDir = findTfjsNodeDir();
  let c = await check(pkgDir);
  if (c.ok) {
    log(okLine(c, ` [${secs(Date.now() - T0)}]`));
    return;
  }
  log(`@tensorflow/tfjs-node does not load yet (${c.why}); setting it up...`);
  if (VERBOSE) console.log(tail(c.output, 15));

  process.on('SIGINT', () => onSignal('SIGINT'));
  process.on('SIGTERM', () => onSignal('SIGTERM'));
  process.on('exit', releaseLock);
  await acquireLock();
  sweepTempDirs(pkgDir);
  // Someone else may have finished the job while we waited for the lock.
  c = await check(pkgDir);
  if (c.ok) {
    log(okLine(c, ` (set up by a concurrent run) [${secs(Date.now() - T0)}]`));
    return;
  }

  if (process.platform !== 'linux' || process.arch !== 'x64') {
    // The pip-wheel fallback below is written for linux-x64 only.
    await tryPackageInstall(pkgDir);
    c = await check(pkgDir);
    if (c.ok) {
      log(okLine(c, ` via tfjs-node's install [${secs(Date.now() - T0)}]`));
      return;
    }
    throw new SetupError(`@tensorflow/tfjs-node still does not load (${c.why}), and the ` +
        `offline fallback supports linux-x64 only (this is ${process.platform}-${process.arch})`,
    c.output);
  }

  const staged = haveStagedDeps(pkgDir);
  if (staged) {
    log('libtensorflow from the wheel is already staged in deps/; rebuilding the addon only');
  } else if (SKIP_CDN) {
    log('TFJS_LINSOLVE_SKIP_CDN set: skipping tfjs-node\'s own install');
  } else {
    await tryPackageInstall(pkgDir);
    c = await check(pkgDir);
    if (c.ok) {
      log(okLine(c, ` via tfjs-node's install [${secs(Date.now() - T0)}]`));
      return;
    }
    log('falling back to libtensorflow from the tensorflow-cpu pip wheel');
  }

  if (staged) {
    let why;
    try {
      c = await buildAndCheck(pkgDir);
      why = c.why;
    } catch (err) {
      if (!(err instanceof SetupError)) throw err;
      c = {ok: false};
      why = err.message;
    }
    if (!c.ok) {
      // The staged deps may be damaged: stage them afresh once.
      log(`that did not work (${why}); re-staging deps from the wheel`);
      await stageFromWheel(pkgDir);
      c = await buildAndCheck(pkgDir);
    }
  } else {
    await stageFromWheel(pkgDir);
    c = await buildAndCheck(pkgDir);
  }
  if (!c.ok) {
    throw new SetupError(
        `the addon was built but \`require('@tensorflow/tfjs-node')\` + tf.matMul still ` +
        `fails (${c.why})`, c.output);
  }
  log(okLine(c, ` [set up in ${secs(Date.now() - T0)}]`));
}

main().catch((err) => {
  releaseLock();
  if (err instanceof SetupError) {
    if (err.output) {
      console.error(`[setup] --- last lines of output ---\n${tail(err.output)}\n[setup] ---`);
    }
    console.error(`[setup] FAILED: ${err.message}`);
  } else {
    console.error('[setup] FAILED with an unexpected error:');
    console.error(err && err.stack ? err.stack : err);
  }
  const self = `node ${show(__filename)}`;
  console.error(
      '[setup] To retry from scratch: rm -rf node_modules/@tensorflow/tfjs-node/deps ' +
      `node_modules/@tensorflow/tfjs-node/lib && ${self}\n` +
      `[setup] For full logs: TFJS_LINSOLVE_SETUP_VERBOSE=1 ${self}\n` +
      '[setup] Needs: python3 + pip that can fetch ' + TF_WHEEL_SPEC + ' (or the .whl placed in ' +
      show(WHEEL_DIR) + '/), make, g++, and Node headers (include/node).');
  process.exit(1);
});
