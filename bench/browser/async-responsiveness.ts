/**
 * How long a WebGL solve blocks the page's main thread: `ls.linearSolve` (readbacks with
 * `dataSync`) against `ls.linearSolveAsync` (readbacks awaited with `data()`), the same CG
 * solve on the 2-D Poisson operator in headless Chromium (WebGL2 on SwiftShader).
 *
 * Per mode, after one warm-up solve (shader compilation): `--runs` timed solves, each the solve
 * plus one readback of x (sync: `dataSync`; async: `await data()`), measuring
 *   - the longest main-thread task, from a PerformanceObserver on 'longtask' (tasks ≥ 50 ms),
 *   - the longest gap between setTimeout(0) heartbeats (what an input event would wait for),
 *   - how many heartbeats ran during the solve, and the solve's wall time and iterations.
 * The two modes alternate run by run, so machine load affects both alike.
 *
 * Run: `npx ts-node --transpile-only bench/browser/async-responsiveness.ts` (about 1 min here).
 *   --m=64          grid side (n = m²)
 *   --runs=3        timed solves per mode
 *   --out=PATH      Markdown (default bench/results/async-responsiveness.md; JSON beside it)
 * Environment: LINSOLVE_CHROMIUM (browser path; else a system Chromium, else @sparticuz/chromium).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import {launchChromium} from '../../__tests__/browser/page';

const ROOT = path.resolve(__dirname, '..', '..');

function arg(name: string, fallback: string): string {
  const found = process.argv.find(a => a.startsWith(`--${name}=`));
  return found == null ? fallback : found.slice(name.length + 3);
}

interface RunResult {
  mode: 'sync' | 'async';
  wallMs: number;
  longestTaskMs: number;
  longTasks: number;
  longestGapMs: number;
  heartbeats: number;
  iterations: number;
  status: string;
}

interface PageGlobals {
  tf: typeof import('@tensorflow/tfjs');
  tfLinsolve: typeof import('../../src');
}

/** Runs in the page: one solve in `mode`, with the observers around it. */
async function solveInPage([mode, m]: ['sync' | 'async', number]): Promise<RunResult> {
  const {tf, tfLinsolve: ls} = globalThis as unknown as PageGlobals;
  const A = ls.poisson2dOperator(m);
  const b = tf.ones([m * m]);
  const options = {method: 'cg' as const, rtol: 1e-4};
  const tasks: number[] = [];
  const observer = new PerformanceObserver(list => { for (const e of list.getEntries()) tasks.push(e.duration); });
  observer.observe({type: 'longtask', buffered: false});
  let last = performance.now();
  let longestGap = 0;
  let heartbeats = 0;
  let running = true;
  const beat = () => {
    const now = performance.now();
    longestGap = Math.max(longestGap, now - last);
    last = now;
    heartbeats++;
    if (running) setTimeout(beat, 0);
  };
  setTimeout(beat, 0);
  // Let the first heartbeat run, so the gap is measured from the solve's start.
  await new Promise(resolve => setTimeout(resolve, 20));
  heartbeats = 0;
  longestGap = 0;
  last = performance.now();
  const start = performance.now();
  let iterations = 0;
  let status = '';
  if (mode === 'sync') {
    const result = ls.linearSolve(A, b, options);
    result.x.dataSync();
    ({iterations, status} = result);
    result.x.dispose();
  } else {
    const result = await ls.linearSolveAsync(A, b, options);
    await result.x.data();
    ({iterations, status} = result);
    result.x.dispose();
  }
  const wallMs = performance.now() - start;
  const beatsDuring = heartbeats;
  // The task that was running when the solve ended is reported once it finishes.
  await new Promise(resolve => setTimeout(resolve, 100));
  running = false;
  observer.disconnect();
  b.dispose();
  return {mode, wallMs, longestTaskMs: tasks.length === 0 ? 0 : Math.max(...tasks), longTasks: tasks.length,
    longestGapMs: longestGap, heartbeats: beatsDuring, iterations, status};
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main(): Promise<void> {
  const m = Number(arg('m', '64'));
  const runs = Number(arg('runs', '3'));
  const out = path.resolve(arg('out', path.join(ROOT, 'bench', 'results', 'async-responsiveness.md')));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tfjs-linsolve-async-'));
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const {buildBrowserBundle} = require('../../scripts/build-browser.js') as {buildBrowserBundle(f: string): Promise<string>};
  const library = await buildBrowserBundle(path.join(dir, 'tfjs-linsolve.min.js'));
  const browser = await launchChromium();
  const results: RunResult[] = [];
  let info = {renderer: '', userAgent: '', checkEvery: 0};
  try {
    const page = await browser.newPage();
    await page.setContent('<!doctype html><html><head><title>async responsiveness</title></head><body></body></html>');
    await page.addScriptTag({path: require.resolve('@tensorflow/tfjs/dist/tf.min.js', {paths: [ROOT]})});
    await page.addScriptTag({path: library});
    info = await page.evaluate(async () => {
      const {tf} = globalThis as unknown as PageGlobals;
      tf.env().set('SOFTWARE_WEBGL_ENABLED', true);
      if (!(await tf.setBackend('webgl'))) throw new Error('no webgl');
      await tf.ready();
      const gl = document.createElement('canvas').getContext('webgl2');
      const ext = gl?.getExtension('WEBGL_debug_renderer_info');
      return {renderer: String(gl != null && ext != null ? gl.getParameter(ext.UNMASKED_RENDERER_WEBGL) : ''),
        userAgent: navigator.userAgent, checkEvery: 10};
    });
    for (const mode of ['sync', 'async'] as const) await page.evaluate(solveInPage, [mode, m] as ['sync' | 'async', number]);
    for (let r = 0; r < runs; r++) {
      for (const mode of ['sync', 'async'] as const) {
        const result = await page.evaluate(solveInPage, [mode, m] as ['sync' | 'async', number]);
        results.push(result);
        process.stdout.write(`${JSON.stringify(result)}\n`);
      }
    }
  } finally {
    await browser.close();
    fs.rmSync(dir, {recursive: true, force: true});
  }
  const summary = (['sync', 'async'] as const).map(mode => {
    const rs = results.filter(r => r.mode === mode);
    return {mode, wallMs: median(rs.map(r => r.wallMs)), longestTaskMs: median(rs.map(r => r.longestTaskMs)),
      longTasks: median(rs.map(r => r.longTasks)), longestGapMs: median(rs.map(r => r.longestGapMs)),
      heartbeats: median(rs.map(r => r.heartbeats)), iterations: rs[0].iterations, status: rs[0].status};
  });
  const [sync, async] = summary;
  const lines = [
    '# Main-thread responsiveness during a WebGL solve',
    '',
    `\`npx ts-node --transpile-only bench/browser/async-responsiveness.ts --m=${m} --runs=${runs}\`, ` +
      `${new Date().toISOString().slice(0, 10)}; headless Chromium, WebGL2 on ${info.renderer || 'SwiftShader'}; ` +
      `CG on the 2-D Poisson operator, n = ${m}² = ${m * m}, rtol 1e-4, b = ones, the backend's default checkEvery; ` +
      `medians of ${runs} runs per mode, modes alternating; a solve includes one readback of x.`,
    '',
    '| mode | wall ms | longest task ms | long tasks (≥ 50 ms) | longest setTimeout(0) gap ms | heartbeats during the solve | iterations | status |',
    '|---|---|---|---|---|---|---|---|',
    ...summary.map(s => `| ${s.mode === 'sync' ? '`linearSolve` + `dataSync`' : '`linearSolveAsync` + `await data()`'} | ` +
      `${s.wallMs.toFixed(0)} | ${s.longestTaskMs.toFixed(0)} | ${s.longTasks} | ${s.longestGapMs.toFixed(0)} | ` +
      `${s.heartbeats} | ${s.iterations} | ${s.status} |`),
    '',
    `Longest main-thread task: ${sync.longestTaskMs.toFixed(0)} ms synchronous, ${async.longestTaskMs.toFixed(0)} ms ` +
      `asynchronous (${(sync.longestTaskMs / Math.max(async.longestTaskMs, 1)).toFixed(1)}× shorter; 0 means no task ` +
      `reached 50 ms). Longest gap an event would wait: ${sync.longestGapMs.toFixed(0)} ms → ${async.longestGapMs.toFixed(0)} ms. ` +
      `Wall time ${sync.wallMs.toFixed(0)} ms → ${async.wallMs.toFixed(0)} ms.`,
    '',
    'Every run:',
    '',
    '```json',
    ...results.map(r => JSON.stringify(r)),
    '```',
    '',
  ];
  fs.mkdirSync(path.dirname(out), {recursive: true});
  fs.writeFileSync(out, lines.join('\n'));
  fs.writeFileSync(out.replace(/\.md$/, '.json'), JSON.stringify({m, runs, info, summary, results}, null, 2));
  process.stdout.write(`${lines.slice(0, 10).join('\n')}\n`);
}

main().catch(error => { console.error(error); process.exit(1); });
