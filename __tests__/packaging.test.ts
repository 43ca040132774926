/**
 * The packaging scripts, offline and fast: the consumer setup command finds the consumer's
 * tfjs-node and a per-user cache; the tarball check flags a missing dist/ or a shipped cache;
 * the Node ESM wrapper re-exports the CommonJS build by name. (The packed tarball itself is
 * tested in fresh projects by scripts/consumer-test.js, which CI runs.)
 */
import * as cp from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const ROOT = path.resolve(__dirname, '..');
const SETUP = path.join(ROOT, 'scripts', 'setup-tfjs-node.js');
const {fileListProblems, declaredFiles} = require('../scripts/check-package.js') as {
  fileListProblems(files: string[], pkg: object): string[];
  declaredFiles(pkg: object): string[];
};
const {buildNodeEsm} = require('../scripts/build-node-esm.js') as {
  buildNodeEsm(dir: string): {names: string[]};
};
const PKG = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));

function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'tfjs-linsolve-packaging-'));
}

function where(cwd: string, env: NodeJS.ProcessEnv = {}, args: string[] = []) {
  const clean = {...process.env};
  delete clean.TFJS_LINSOLVE_CACHE_DIR;
  delete clean.TFJS_LINSOLVE_PROJECT;
  delete clean.XDG_CACHE_HOME;
  const r = cp.spawnSync(process.execPath, [SETUP, '--where', ...args],
    {cwd, env: {...clean, ...env}, encoding: 'utf8'});
  expect(r.status).toBe(0);
  return JSON.parse(r.stdout) as {project: string; tfjsNode: string | null; cacheDir: string};
}

describe('tfjs-linsolve-setup-node', () => {
  let consumer: string;
  beforeAll(() => {
    consumer = tempDir();
    const fake = path.join(consumer, 'node_modules', '@tensorflow', 'tfjs-node');
    fs.mkdirSync(fake, {recursive: true});
    fs.writeFileSync(path.join(fake, 'package.json'), '{"name": "@tensorflow/tfjs-node", "version": "4.22.0"}');
    fs.mkdirSync(path.join(consumer, 'src'));
  });
  afterAll(() => fs.rmSync(consumer, {recursive: true, force: true}));

  it('is the package bin', () => {
    expect(PKG.bin['tfjs-linsolve-setup-node']).toBe('scripts/setup-tfjs-node.js');
    expect(fs.readFileSync(SETUP, 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true);
  });

  it('sets up the tfjs-node of the project it runs in, found from a subfolder too', () => {
    const fromRoot = where(consumer);
    expect(fromRoot.tfjsNode).toBe(fs.realpathSync(path.join(consumer, 'node_modules/@tensorflow/tfjs-node')));
    expect(where(path.join(consumer, 'src')).tfjsNode).toBe(fromRoot.tfjsNode);
    expect(where(os.tmpdir(), {}, ['--project', consumer]).tfjsNode).toBe(fromRoot.tfjsNode);
  });

  it('caches in the user cache directory, never in node_modules', () => {
    expect(where(consumer, {HOME: consumer}).cacheDir).toBe(path.join(consumer, '.cache', 'tfjs-linsolve'));
    expect(where(consumer, {XDG_CACHE_HOME: '/var/cache/u'}).cacheDir).toBe('/var/cache/u/tfjs-linsolve');
    expect(where(consumer, {XDG_CACHE_HOME: '/x', TFJS_LINSOLVE_CACHE_DIR: '/y/z'}).cacheDir).toBe('/y/z');
  });

  it('says how to install tfjs-node where the project has none', () => {
    const empty = tempDir();
    try {
      const r = cp.spawnSync(process.execPath, [SETUP], {cwd: empty, encoding: 'utf8'});
      expect(r.status).toBe(1);
      expect(r.stderr).toContain(`not installed in ${fs.realpathSync(empty)}`);
      expect(r.stderr).toContain('npm install --ignore-scripts @tensorflow/tfjs-node');
    } finally {
      fs.rmSync(empty, {recursive: true, force: true});
    }
  });
});

describe('check-package', () => {
  const shipped = [...new Set([...declaredFiles(PKG), 'package.json', 'README.md',
    'dist/index.mjs', 'dist/index.d.mts', 'dist/tfjs-linsolve.min.js',
    'core/package.json', 'extend/package.json', 'layers/package.json', 'dist/core/registerGradients.js'])];

  it('names every entry point of package.json', () => {
    expect(declaredFiles(PKG)).toEqual(expect.arrayContaining(['dist/index.js', 'dist/index.d.ts',
      'dist/index.mjs', 'dist/index.d.mts', 'dist/tfjs-linsolve.esm.mjs', 'scripts/setup-tfjs-node.js']));
  });

  it('accepts the full file list, flags a tarball without dist/ and a shipped cache', () => {
    expect(fileListProblems(shipped, PKG)).toEqual([]);
    const noDist = shipped.filter(f => !f.startsWith('dist/'));
    expect(fileListProblems(noDist, PKG)).toContain('missing from the tarball: dist/index.js');
    expect(fileListProblems([...shipped, 'node_modules/.cache/tfjs-linsolve/wheels/tf.whl'], PKG))
      .toHaveLength(1);
  });
});

describe('build-node-esm', () => {
  it('re-exports the CommonJS build by name, one shared instance', () => {
    const dir = tempDir();
    try {
      fs.writeFileSync(path.join(dir, 'index.js'),
        'exports.solve = function solve() {}; exports.Err = class Err {}; exports.__esModule = true;');
      expect(buildNodeEsm(dir).names).toEqual(['Err', 'solve']);
      const check = `import * as m from ${JSON.stringify(path.join(dir, 'index.mjs'))};
        import {createRequire} from 'module';
        const c = createRequire(import.meta.url)(${JSON.stringify(path.join(dir, 'index.js'))});
        console.log(JSON.stringify({names: Object.keys(m), same: m.Err === c.Err && m.solve === c.solve}));`;
      const r = cp.spawnSync(process.execPath, ['--input-type=module', '-e', check], {encoding: 'utf8'});
      expect(r.stderr).toBe('');
      expect(JSON.parse(r.stdout)).toEqual({names: ['Err', 'solve'], same: true});
      expect(fs.readFileSync(path.join(dir, 'index.d.mts'), 'utf8')).toContain("export * from './index.js';");
    } finally {
      fs.rmSync(dir, {recursive: true, force: true});
    }
  });
});
