/**
 * The WebGL engine against tf ops and a fused-program floor, in one headless-Chromium page
 * (SwiftShader here: a software GPU on the CPU, so these are not GPU numbers):
 *
 *   CG per iteration, 2-D Poisson m² (b = ones, 100 fixed iterations, median of the runs,
 *   taken round-robin): tf-ops loop (`useWebglEngine(false)`), the library's WebGL engine,
 *   and the fused floor (bench/browser/webglEngineCases.ts: a stencil A·p and the fewest
 *   vector programs, no library in between). Target: engine ≤ 1.5× floor.
 *   Dense LU forward solve (linearSolve {method: 'lu'} + one readback of x): tf ops vs hybrid.
 *
 * Run: `npx ts-node --transpile-only bench/webgl-engine.ts [--grids=128,256] [--lu=256,500]
 *       [--runs=3] [--iterations=100] [--tfOpsLuMax=256] [--batched=1024x16,64x64] [--out=bench/results/webgl-engine.md]`
 * Environment: LINSOLVE_CHROMIUM (browser path; else a system Chromium, else @sparticuz/chromium).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as esbuild from 'esbuild';
import {launchChromium} from '../__tests__/browser/page';
import type {WebglBenchConfig, WebglBenchResult} from './browser/webglEngineCases';

const ROOT = path.resolve(__dirname, '..');
const argv = process.argv.slice(2);
const arg = (name: string): string | undefined => argv.find(a => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const list = (s: string | undefined, fallback: number[]) => (s == null ? fallback : s.split(',').filter(x => x !== '').map(Number));
const CONFIG: WebglBenchConfig = {
  grids: list(arg('grids'), [128, 256]),
  iterations: Number(arg('iterations') ?? 100),
  runs: Number(arg('runs') ?? 3),
  luSizes: list(arg('lu'), [256, 500]),
  luRuns: Number(arg('luRuns') ?? 3),
  tfOpsLuMax: Number(arg('tfOpsLuMax') ?? 256),
  batched: (arg('batched') ?? '1024x16,64x64').split(',').filter(x => x !== '').map(x => x.split('x').map(Number) as [number, number]),
};
const OUT = arg('out') ?? path.join(ROOT, 'bench', 'results', 'webgl-engine.md');

interface BuildScript {buildBrowserBundle(outfile: string, options?: {minify?: boolean}): Promise<string>}

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tfjs-linsolve-webgl-bench-'));
  const started = Date.now();
  const load0 = os.loadavg();
  try {
    const library = await (require('../scripts/build-browser.js') as BuildScript).buildBrowserBundle(path.join(dir, 'lib.js'));
    const cases = path.join(dir, 'cases.js');
    await esbuild.build({absWorkingDir: ROOT, entryPoints: [path.join(__dirname, 'browser', 'webglEngineCases.ts')], outfile: cases,
      bundle: true, format: 'iife', globalName: 'webglBench', platform: 'browser', target: 'es2019', logLevel: 'warning'});
    const browser = await launchChromium();
    try {
      const page = await (await browser.newContext()).newPage();
      const messages: string[] = [];
      page.on('console', m => { if (m.type() === 'error') messages.push(m.text()); });
      page.on('pageerror', e => messages.push(e.message));
      await page.setContent('<!doctype html><html><body></body></html>');
      for (const file of [require.resolve('@tensorflow/tfjs/dist/tf.min.js', {paths: [ROOT]}), library, cases]) {
        await page.addScriptTag({path: file});
      }
      const info = await page.evaluate(async () => {
        const tf = (globalThis as unknown as {tf: typeof import('@tensorflow/tfjs')}).tf;
        tf.env().set('SOFTWARE_WEBGL_ENABLED', true);
        await tf.setBackend('webgl');
        await tf.ready();
        const gl = document.createElement('canvas').getContext('webgl2');
        const ext = gl?.getExtension('WEBGL_debug_renderer_info');
        return {backend: tf.getBackend(), float32: tf.env().getBool('WEBGL_RENDER_FLOAT32_ENABLED'),
          renderer: gl == null ? 'none' : String(gl.getParameter(ext != null ? ext.UNMASKED_RENDERER_WEBGL : gl.RENDERER))};
      });
      const result: WebglBenchResult = await page.evaluate(c =>
        (globalThis as unknown as {webglBench: typeof import('./browser/webglEngineCases')}).webglBench.runInPage(c), CONFIG);
      for (const line of result.log) process.stderr.write(`${line}\n`);
      const report = format(result, {...info, chromium: browser.version(), messages, load: [load0, os.loadavg()],
        seconds: (Date.now() - started) / 1000});
      process.stdout.write(report);
      fs.mkdirSync(path.dirname(OUT), {recursive: true});
      fs.writeFileSync(OUT, report);
    } finally {
      await browser.close();
    }
  } finally {
    fs.rmSync(dir, {recursive: true, force: true});
  }
}

function format(r: WebglBenchResult, info: Record<string, unknown>): string {
  const f = (x: number) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));
  const load = info.load as number[][];
  const lines = [
    '# WebGL engine: tf ops vs custom programs (bench/webgl-engine.ts)', '',
    `${new Date().toISOString()}; Chromium ${info.chromium}, backend ${info.backend}, WEBGL_RENDER_FLOAT32_ENABLED ${info.float32}; ` +
      `renderer "${info.renderer}"; ${os.cpus().length} cores, load ${load[0].map(x => x.toFixed(1)).join(' ')} → ` +
      `${load[1].map(x => x.toFixed(1)).join(' ')}; ${(info.seconds as number).toFixed(0)} s. Software GPU (SwiftShader): not GPU numbers.`,
    '', `## CG per iteration, 2-D Poisson (b = ones, ${CONFIG.iterations} fixed iterations, median of ${CONFIG.runs}, round-robin)`, '',
    'ms per iteration: median (min) over the runs; ratios of medians (of minima).', '',
    '| grid | n | tf ops | webgl engine | fused floor | tf ops / engine | engine / floor |',
    '|---|---:|---:|---:|---:|---:|---:|',
  ];
  for (const m of CONFIG.grids) {
    const get = (e: string) => r.cg.find(x => x.m === m && x.engine === e);
    const [ops, eng, floor] = [get('tf ops'), get('webgl engine'), get('fused floor')];
    const med = (x?: {median: number}) => x?.median ?? NaN;
    const min = (x?: {msPerIteration: number[]}) => (x == null ? NaN : Math.min(...x.msPerIteration));
    const both = (x?: {median: number; msPerIteration: number[]}) => `${f(med(x))} (${f(min(x))})`;
    lines.push(`| ${m}² | ${m * m} | ${both(ops)} | ${both(eng)} | ${both(floor)} | ${(med(ops) / med(eng)).toFixed(1)}× (${(min(ops) / min(eng)).toFixed(1)}×) | ` +
      `${(med(eng) / med(floor)).toFixed(2)}× (${(min(eng) / min(floor)).toFixed(2)}×) |`);
  }
  lines.push('', `## Dense LU solve (linearSolve {method: 'lu'} + readback; median of ${CONFIG.luRuns} after a warm-up; tf ops: one run)`, '',
    '| B | n | engine | ms | runs | status | rel. residual |', '|---:|---:|---|---:|---|---|---:|');
  for (const row of r.lu) {
    lines.push(`| ${row.batch} | ${row.n} | ${row.engine} | ${f(row.median)} | ${row.ms.map(f).join(', ')} | ${row.status} | ${row.relativeResidual.toExponential(1)} |`);
  }
  lines.push('', `Tensors leaked by the page's cases: ${r.info.leakedTensors}.`);
  if ((info.messages as string[]).length > 0) lines.push(`Page errors: ${(info.messages as string[]).join(' | ')}`);
  return `${lines.join('\n')}\n`;
}

main().catch(error => {
  console.error(error);
  process.exit(1);
});
