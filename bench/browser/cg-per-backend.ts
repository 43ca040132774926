/**
 * ms per CG iteration and readbacks per solve, per backend, on the 2-D Poisson system with
 * 128² = 16 384 unknowns: one table for the Node backends (cpu, wasm,
 * tensorflow = tfjs-node) and the browser backends (webgl, wasm in headless Chromium).
 *
 * Cases, each with b = ones, one warm-up (shader compilation, the operator's lazy layouts), then
 * the median of 3 timed solves; a timed solve is `linearSolve` plus one readback of x (what a
 * caller waits for, and what makes a GPU finish):
 *
 *   converge  {method: 'cg', rtol: 1e-3}                  convergence read back every checkEvery
 *                                                         iterations (default: 10 webgl, 5 else)
 *   fixed     {method: 'cg', fixedIterations: true,       exactly 100 iterations, no readback in
 *              maxIterations: 100}                        the loop: the pure cost of an iteration
 *   check1    {method: 'cg', rtol: 1e-3, checkEvery: 1}   a readback after every iteration
 *
 * Readbacks are counted by wrapping tf.Tensor.prototype.{dataSync, data, arraySync, array}
 * around the linearSolve call only (the final x readback is timed but not counted). The timed
 * runs go round-robin over the cases. Then, per backend: `tf.sum(v).dataSync()` (one small
 * kernel + one scalar readback), the sparse product A·p alone, and tf.profile of 10 iterations.
 *
 * The browser side loads, from a local http server on 127.0.0.1 (node:http): tf.min.js,
 * tf-backend-wasm.min.js (+ its .wasm binaries) and the library's browser bundle built by
 * scripts/build-browser.js, then this folder's cases.ts bundled as the global `cgBench`. The
 * page is cross-origin isolated (COOP/COEP headers), so browser wasm may use threads.
 *
 * Run: `npx ts-node --transpile-only bench/browser/cg-per-backend.ts` (about 1 min here).
 *   --m=128            grid side (n = m²)
 *   --runs=3           timed runs per case
 *   --only=node        or --only=browser
 *   --backends=a,b     of cpu, wasm, tensorflow (Node) and webgl, wasm (browser) — e.g. webgl
 *   --out=PATH         JSON (default bench/results/cg-per-backend.json)
 * Environment: LINSOLVE_CHROMIUM (browser path; else a system Chromium, else @sparticuz/chromium).
 */
import * as fs from 'fs';
import * as http from 'http';
import * as os from 'os';
import * as path from 'path';
import {execFileSync} from 'child_process';
import * as esbuild from 'esbuild';
import * as tf from '@tensorflow/tfjs';
import * as ls from '../../src';
import {launchChromium} from '../../__tests__/browser/page';
import {findChromium} from '../../__tests__/browser/findChromium';
import {BackendRun, CaseResult, RunConfig, runCgCases} from './cases';

const ROOT = path.resolve(__dirname, '..', '..');

// ---------------------------------------------------------------------------------------------
// Configuration

const argv = process.argv.slice(2);
const arg = (name: string): string | undefined => argv.find(a => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const M = Number(arg('m') ?? 128);
const RUNS = Number(arg('runs') ?? 3);
const ONLY = arg('only');
const BACKENDS = (arg('backends') ?? '').split(',').map(s => s.trim()).filter(s => s !== '');
const OUT = path.resolve(arg('out') ?? path.join(ROOT, 'bench', 'results', 'cg-per-backend.json'));
const CONFIG: RunConfig = {m: M, runs: RUNS, fixedIterations: 100, rtol: 1e-3, maxIterations: 2000};
/** One page's cases must finish within this (the page is abandoned otherwise). */
const PAGE_TIMEOUT_MS = 240_000;

const wanted = (env: 'node' | 'browser', backend: string) =>
  (ONLY == null || ONLY === env) && (BACKENDS.length === 0 || BACKENDS.includes(backend));
const log = (line: string) => process.stderr.write(`${line}\n`);

interface Row extends CaseResult {
  env: 'node' | 'browser';
}

interface Skip {
  env: 'node' | 'browser';
  backend: string;
  reason: string;
}

interface Output {
  date: string;
  problem: string;
  config: RunConfig;
  machine: Record<string, unknown>;
  runs: (BackendRun & {env: 'node' | 'browser'})[];
  skipped: Skip[];
  pageMessages: string[];
  wallSeconds: number;
}

// ---------------------------------------------------------------------------------------------
// Node backends

function loadTfjsNode(): string | null {
  if (process.env.TF_CPP_MIN_LOG_LEVEL == null) process.env.TF_CPP_MIN_LOG_LEVEL = '2';
  try {
    require('@tensorflow/tfjs-node');
  } catch (error) {
    return `require('@tensorflow/tfjs-node') failed: ${String((error as Error).message ?? error).split('\n')[0]} (run \`npm run setup\`)`;
  }
  return tf.findBackend('tensorflow') == null ? "tfjs-node loaded but registered no 'tensorflow' backend" : null;
}

function loadWasm(): string | null {
  try {
    require('@tensorflow/tfjs-backend-wasm');
    return null;
  } catch (error) {
    return `require('@tensorflow/tfjs-backend-wasm') failed: ${String((error as Error).message ?? error).split('\n')[0]}`;
  }
}

async function runNode(out: Output): Promise<void> {
  const loaders: Record<string, () => string | null> = {cpu: () => null, wasm: loadWasm, tensorflow: loadTfjsNode};
  for (const backend of ['cpu', 'wasm', 'tensorflow']) {
    if (!wanted('node', backend)) continue;
    let reason = loaders[backend]();
    if (reason == null) {
      try {
        if (!(await tf.setBackend(backend))) reason = `tf.setBackend('${backend}') returned false`;
        await tf.ready();
      } catch (error) {
        reason = `tf.setBackend('${backend}') threw: ${(error as Error).message}`;
      }
    }
    if (reason != null) {
      log(`node ${backend}: SKIPPED — ${reason}`);
      out.skipped.push({env: 'node', backend, reason});
      continue;
    }
    log(`node ${backend}:`);
    const t0 = Date.now();
    const run = await runCgCases(tf, ls, {...CONFIG, log});
    run.info = backend === 'wasm'
      ? {WASM_HAS_SIMD_SUPPORT: tf.env().get('WASM_HAS_SIMD_SUPPORT'), WASM_HAS_MULTITHREAD_SUPPORT: tf.env().get('WASM_HAS_MULTITHREAD_SUPPORT')}
      : {};
    run.info.seconds = (Date.now() - t0) / 1000;
    out.runs.push({env: 'node', ...run});
  }
}

// ---------------------------------------------------------------------------------------------
// Browser backends

interface BuildScript {
  buildBrowserBundle(outfile: string, options?: {minify?: boolean}): Promise<string>;
}

/** tfjs, tfjs wasm, the library bundle (scripts/build-browser.js) and cases.ts as `cgBench`. */
async function buildPageFiles(dir: string): Promise<Record<string, string>> {
  const buildScript = require('../../scripts/build-browser.js') as BuildScript;
  const library = await buildScript.buildBrowserBundle(path.join(dir, 'tfjs-linsolve.min.js'));
  const cases = path.join(dir, 'cg-bench.js');
  await esbuild.build({
    absWorkingDir: ROOT,
    entryPoints: [path.join(__dirname, 'cases.ts')],
    outfile: cases,
    bundle: true,
    format: 'iife',
    globalName: 'cgBench',
    platform: 'browser',
    target: 'es2019',
    logLevel: 'warning',
  });
  const wasmDist = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tf-backend-wasm.min.js', {paths: [ROOT]}));
  const files: Record<string, string> = {
    '/tf.min.js': require.resolve('@tensorflow/tfjs/dist/tf.min.js', {paths: [ROOT]}),
    '/tf-backend-wasm.min.js': path.join(wasmDist, 'tf-backend-wasm.min.js'),
    '/tfjs-linsolve.min.js': library,
    '/cg-bench.js': cases,
  };
  for (const f of fs.readdirSync(wasmDist).filter(f => f.endsWith('.wasm'))) files[`/wasm/${f}`] = path.join(wasmDist, f);
  return files;
}

const INDEX = `<!doctype html><html><head><meta charset="utf-8"><title>tfjs-linsolve CG per backend</title>
<script src="/tf.min.js"></script>
<script src="/tf-backend-wasm.min.js"></script>
<script src="/tfjs-linsolve.min.js"></script>
<script src="/cg-bench.js"></script>
</head><body></body></html>`;

const TYPES: Record<string, string> = {'.js': 'text/javascript', '.wasm': 'application/wasm', '.html': 'text/html'};

/** Serves `files` (and the index page) on 127.0.0.1, cross-origin isolated. */
function serve(files: Record<string, string>): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    const url = (req.url ?? '/').split('?')[0];
    const headers = {
      'Cross-Origin-Opener-Policy': 'same-origin',
      'Cross-Origin-Embedder-Policy': 'require-corp',
      'Cross-Origin-Resource-Policy': 'same-origin',
      'Cache-Control': 'no-store',
    };
    if (url === '/' || url === '/index.html') {
      res.writeHead(200, {...headers, 'Content-Type': TYPES['.html']});
      res.end(INDEX);
      return;
    }
    const file = files[url];
    if (url === '/favicon.ico') {
      res.writeHead(204, headers);
      res.end();
      return;
    }
    if (file == null) {
      res.writeHead(404, headers);
      res.end('not found');
      return;
    }
    res.writeHead(200, {...headers, 'Content-Type': TYPES[path.extname(file)] ?? 'application/octet-stream'});
    fs.createReadStream(file).pipe(res);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(server));
  });
}

type PageGlobals = {cgBench: typeof import('./cases')};

async function runBrowser(out: Output): Promise<void> {
  const backends = ['webgl', 'wasm'].filter(b => wanted('browser', b));
  if (backends.length === 0) return;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tfjs-linsolve-cg-bench-'));
  let server: http.Server | null = null;
  try {
    const files = await buildPageFiles(dir);
    server = await serve(files);
    const {port} = server.address() as {port: number};
    const browser = await launchChromium();
    out.machine.chromium = browser.version();
    try {
      for (const backend of backends) {
        log(`browser ${backend}:`);
        const t0 = Date.now();
        const context = await browser.newContext();
        const page = await context.newPage();
        const messages: string[] = [];
        page.on('console', m => {
          if (m.type() === 'error' || m.type() === 'warning') messages.push(`${backend} console.${m.type()}: ${m.text()}`);
        });
        page.on('pageerror', e => messages.push(`${backend} pageerror: ${e.message}`));
        let timer: NodeJS.Timeout | undefined;
        try {
          await page.goto(`http://127.0.0.1:${port}/`);
          const evaluation = page.evaluate(([b, config, prefix]) =>
            (globalThis as unknown as PageGlobals).cgBench.runInPage(b, config, prefix),
          [backend, {m: CONFIG.m, runs: CONFIG.runs, fixedIterations: CONFIG.fixedIterations, rtol: CONFIG.rtol,
            maxIterations: CONFIG.maxIterations}, `http://127.0.0.1:${port}/wasm/`] as const);
          evaluation.catch(() => undefined);
          const timeout = new Promise<never>((_, reject) => {
            timer = setTimeout(() => reject(new Error(`did not finish within ${PAGE_TIMEOUT_MS / 1000} s`)), PAGE_TIMEOUT_MS);
          });
          const run = await Promise.race([evaluation, timeout]);
          for (const line of (run.info.log as string[]) ?? []) log(line);
          delete run.info.log;
          run.info.seconds = (Date.now() - t0) / 1000;
          out.runs.push({env: 'browser', ...run});
          if (backend === 'webgl') {
            out.machine.webglRenderer = run.info.renderer;
            out.machine.webglFloat32 = run.info.WEBGL_RENDER_FLOAT32_ENABLED;
          }
        } catch (error) {
          const reason = (error as Error).message.split('\n')[0];
          log(`browser ${backend}: FAILED — ${reason}`);
          out.skipped.push({env: 'browser', backend, reason});
        } finally {
          clearTimeout(timer);
          out.pageMessages.push(...messages);
          await context.close().catch(() => undefined);
        }
      }
    } finally {
      await browser.close();
    }
  } catch (error) {
    const reason = (error as Error).message.split('\n')[0];
    log(`browser: FAILED — ${reason}`);
    for (const backend of backends) {
      if (!out.runs.some(r => r.env === 'browser' && r.backend === backend) && !out.skipped.some(s => s.env === 'browser' && s.backend === backend)) {
        out.skipped.push({env: 'browser', backend, reason});
      }
    }
  } finally {
    if (server != null) await new Promise<void>(resolve => server!.close(() => resolve()));
    fs.rmSync(dir, {recursive: true, force: true});
  }
}

// ---------------------------------------------------------------------------------------------
// Report

const ms = (x: number): string => !Number.isFinite(x) ? '–' : x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x >= 1 ? x.toFixed(2) : x.toFixed(3);

const CASE_LABEL: Record<string, string> = {
  converge: 'rtol 1e-3, default checkEvery',
  fixed: 'fixed 100 iterations',
  check1: 'rtol 1e-3, checkEvery 1',
};

function table(out: Output): string {
  const rows: Row[] = out.runs.flatMap(r => r.cases.map(c => ({env: r.env, ...c})));
  const lines = [
    '| env | backend | case | ms/iter | iterations | solve: median (min–max) | readbacks/solve | status | rel. residual |',
    '|---|---|---|---:|---:|---:|---:|---|---:|',
  ];
  for (const r of rows) {
    const checkEvery = r.case === 'converge' ? ` (${r.backend === 'webgl' ? 10 : 5})` : '';
    const rb = r.readbacks === r.scalarReadbacks ? `${r.readbacks}` : `${r.readbacks} (${r.scalarReadbacks} scalar)`;
    lines.push(`| ${r.env} | ${r.backend} | ${CASE_LABEL[r.case]}${checkEvery} | ${ms(r.msPerIteration)} | ${r.iterations} | ` +
      `${ms(r.medianMs)} ms (${ms(Math.min(...r.runsMs))}–${ms(Math.max(...r.runsMs))}) | ${rb} | ${r.status} | ${Number.isFinite(r.relativeResidual) ? r.relativeResidual.toExponential(1) : '–'} |` +
      (r.tensorsLeakedPerRun !== 0 ? ` LEAK ${r.tensorsLeakedPerRun}/run` : ''));
  }
  for (const s of out.skipped) lines.push(`| ${s.env} | ${s.backend} | SKIPPED: ${s.reason} | | | | | | |`);
  return lines.join('\n');
}

/**
 * Per backend: the pure iteration (fixed), the share of it spent before linearSolve returns
 * (dispatch), what checking every iteration adds (check1 − fixed), the readback probe, and
 * tf.profile's kernels of an iteration.
 */
function costs(out: Output): string {
  const lines = [
    '| env | backend | iteration (fixed) | until linearSolve returns | A·p alone | + check every iteration (check1 − fixed) | kernel + scalar readback | kernels/iter | top kernels per iteration (tf.profile) |',
    '|---|---|---:|---:|---:|---:|---:|---:|---|',
  ];
  for (const r of out.runs) {
    const get = (name: string) => r.cases.find(c => c.case === name);
    const fixed = get('fixed');
    const check1 = get('check1');
    const extra = fixed != null && check1 != null ? check1.msPerIteration - fixed.msPerIteration : NaN;
    const dispatch = fixed != null ? fixed.dispatchMs / fixed.iterations : NaN;
    const p = r.profile;
    const top = p == null ? '–' : p.top.slice(0, 4).map(k => `${k.name} ×${+k.perIteration.toFixed(1)} ${ms(k.msPerIteration)} ms`).join(', ') +
      (r.backend === 'webgl' ? ' (each synced: inflated)' : '');
    lines.push(`| ${r.env} | ${r.backend} | ${ms(fixed?.msPerIteration ?? NaN)} ms | ${ms(dispatch)} ms | ${ms(r.probe.productMs)} ms | ${ms(extra)} ms | ` +
      `${ms(r.probe.scalarReadbackMs)} ms | ${p == null ? '–' : +p.kernelsPerIteration.toFixed(1)} | ${top} |`);
  }
  return lines.join('\n');
}

function machineInfo(): Record<string, unknown> {
  const cpus = os.cpus();
  let chromiumVersion: string | null = null;
  try {
    chromiumVersion = execFileSync(findChromium().path, ['--version'], {encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore']}).trim();
  } catch {
    chromiumVersion = null;
  }
  return {
    cores: cpus.length,
    cpuModel: cpus[0]?.model ?? null,
    memoryGiB: +(os.totalmem() / 2 ** 30).toFixed(1),
    loadAverageStart: os.loadavg().map(x => +x.toFixed(2)),
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    tfjs: tf.version.tfjs,
    chromiumBinary: chromiumVersion,
  };
}

async function main(): Promise<void> {
  const start = Date.now();
  const out: Output = {
    date: new Date().toISOString(),
    problem: `2-D Poisson poisson2dOperator(${M}), n = ${M * M}, b = ones`,
    config: CONFIG,
    machine: machineInfo(),
    runs: [], skipped: [], pageMessages: [], wallSeconds: 0,
  };
  log(`CG on 2-D Poisson m=${M} (n=${M * M}); ${RUNS} timed runs per case after one warm-up`);
  await runNode(out);
  await runBrowser(out);
  out.machine.loadAverageEnd = os.loadavg().map(x => +x.toFixed(2));
  out.wallSeconds = (Date.now() - start) / 1000;
  fs.mkdirSync(path.dirname(OUT), {recursive: true});
  fs.writeFileSync(OUT, JSON.stringify(out, null, 2) + '\n');

  const m = out.machine;
  console.log(`\n## CG per backend: 2-D Poisson ${M}×${M} (n = ${M * M}), b = ones\n`);
  console.log(`Machine: ${m.cores} cores (${m.cpuModel}), load average ${(m.loadAverageStart as number[]).join(' ')} → ` +
    `${(m.loadAverageEnd as number[]).join(' ')}; Node ${m.node}, tfjs ${m.tfjs}; ${m.chromium != null ? `Chromium ${m.chromium}` : 'no browser'}` +
    (m.webglRenderer != null ? `; WebGL renderer "${m.webglRenderer}", WEBGL_RENDER_FLOAT32_ENABLED ${m.webglFloat32}` : '') + '.');
  const wasmInfo = out.runs.filter(r => r.backend === 'wasm')
    .map(r => `${r.env} wasm: SIMD ${r.info.WASM_HAS_SIMD_SUPPORT}, threads ${r.info.WASM_HAS_MULTITHREAD_SUPPORT}`);
  if (wasmInfo.length > 0) console.log(`${wasmInfo.join('; ')}.`);
  console.log(`\nms/iter = median solve time (linearSolve + one readback of x) / iterations; readbacks counted inside linearSolve.\n`);
  console.log(table(out));
  console.log('\nWhere the time goes:\n');
  console.log(costs(out));
  if (out.pageMessages.length > 0) {
    console.log(`\nBrowser console (${out.pageMessages.length}):`);
    for (const line of out.pageMessages.slice(0, 10)) console.log(`  ${line}`);
  }
  console.log(`\nWall time ${out.wallSeconds.toFixed(0)} s. JSON: ${path.relative(process.cwd(), OUT)}`);
}

main().catch(error => {
  console.error(error);
  process.exit(1);
});
