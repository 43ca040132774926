/**
 * The WebGL engine against tf ops and a fused-program floor, in headless Chromium
 * (SwiftShader here: a software GPU on the CPU, so these are not GPU numbers):
 *
 *   CG per iteration, 2-D Poisson m² (b = ones, 100 fixed iterations, median of the runs,
 *   taken round-robin): tf-ops loop (`useWebglEngine(false)`), the library's WebGL engine,
 *   and the fused floor (bench/browser/webglEngineCases.ts: a stencil A·p and the fewest
 *   vector programs, no library in between). Target: engine ≤ 1.5× floor.
 *   BiCGStab per iteration, convection–diffusion m² (Pe 50, 50 fixed iterations): tf ops vs engine.
 *   Dense LU forward solve (linearSolve {method: 'lu'} + one readback of x): tf ops vs hybrid.
 *
 * Each case runs in its own page evaluation with a time limit; a case that crashes or hangs
 * its page is reported as failed (with the error) and the next case gets a fresh page, so one
 * case can no longer take the other tables with it.
 *
 * Run: `npx ts-node --transpile-only bench/webgl-engine.ts [--grids=128,256] [--lu=256,500]
 *       [--runs=3] [--iterations=100] [--bicgstabIterations=50] [--tfOpsLuMax=256]
 *       [--batched=1024x16,64x64] [--caseTimeout=600] [--out=bench/results/webgl-engine.md]`
 * `npm run bench` calls `runWebglEngine` (--no-webgl skips it).
 * Environment: LINSOLVE_CHROMIUM (browser path; else a system Chromium, else @sparticuz/chromium).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as esbuild from 'esbuild';
import type {Browser, Page} from 'playwright-core';
import {launchChromium} from '../__tests__/browser/page';
import type {BenchCase, WebglBenchConfig, WebglBenchResult} from './browser/webglEngineCases';

const ROOT = path.resolve(__dirname, '..');

type CasesModule = typeof import('./browser/webglEngineCases');

/** The defaults; `quick` takes fewer runs and skips the slowest tf-ops LU sizes. */
export function webglBenchConfig(quick = false, argv: string[] = []): WebglBenchConfig {
  const arg = (name: string): string | undefined => argv.find(a => a.startsWith(`--${name}=`))?.slice(name.length + 3);
  const list = (s: string | undefined, fallback: number[]) => (s == null ? fallback : s.split(',').filter(x => x !== '').map(Number));
  return {
    grids: list(arg('grids'), [128, 256]),
    iterations: Number(arg('iterations') ?? 100),
    bicgstabIterations: Number(arg('bicgstabIterations') ?? 50),
    runs: Number(arg('runs') ?? (quick ? 2 : 3)),
    luSizes: list(arg('lu'), quick ? [256] : [256, 500]),
    luRuns: Number(arg('luRuns') ?? (quick ? 2 : 3)),
    tfOpsLuMax: Number(arg('tfOpsLuMax') ?? 256),
    batched: (arg('batched') ?? (quick ? '64x64' : '1024x16,64x64')).split(',').filter(x => x !== '')
      .map(x => x.split('x').map(Number) as [number, number]),
  };
}

/** What `runWebglEngine` returns: the tables as markdown and the raw rows, or why it did not run. */
export interface WebglEngineReport {
  markdown: string;
  json: Record<string, unknown>;
  /** Set when Chromium or its WebGL could not be started: nothing was measured. */
  skipped?: string;
}

interface BuildScript {buildBrowserBundle(outfile: string, options?: {minify?: boolean}): Promise<string>}

type PageInfo = {backend: string; float32: boolean; renderer: string};

async function openPage(browser: Browser, scripts: string[], messages: string[]): Promise<{page: Page; info: PageInfo}> {
  const page = await (await browser.newContext()).newPage();
  page.on('console', m => { if (m.type() === 'error') messages.push(m.text()); });
  page.on('pageerror', e => messages.push(e.message));
  page.on('crash', () => messages.push('the page crashed'));
  await page.setContent('<!doctype html><html><body></body></html>');
  for (const file of scripts) await page.addScriptTag({path: file});
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
  if (info.backend !== 'webgl') throw new Error(`the page's backend is ${info.backend}, not webgl`);
  return {page, info};
}

/** A case evaluated in the page, or the reason it did not finish (`timeoutMs`, a crash, an exception). */
async function runCase(page: Page, config: WebglBenchConfig, c: BenchCase, timeoutMs: number): Promise<WebglBenchResult | string> {
  let timer: NodeJS.Timeout | undefined;
  const evaluation = page.evaluate(([cfg, one]) =>
    (globalThis as unknown as {webglBench: CasesModule}).webglBench.runInPage(cfg, one), [config, c] as [WebglBenchConfig, BenchCase]);
  evaluation.catch(() => undefined);
  const timeout = new Promise<string>(resolve => { timer = setTimeout(() => resolve(`did not finish within ${timeoutMs / 1000} s`), timeoutMs); });
  try {
    return await Promise.race([evaluation, timeout]);
  } catch (error) {
    return String((error as Error)?.message ?? error).split('\n')[0];
  } finally {
    clearTimeout(timer);
  }
}

const caseName = (c: BenchCase) => (c.kind === 'lu' ? `lu B=${c.batch} n=${c.n}` : `${c.kind} ${c.m}²`);

/**
 * Runs the WebGL bench in headless Chromium and returns its tables; `skipped` (and no tables)
 * when Chromium cannot start or gives no webgl backend.
 */
export async function runWebglEngine({config = webglBenchConfig(), log = (s: string) => { process.stderr.write(`${s}\n`); },
  caseTimeoutMs = 600_000}: {config?: WebglBenchConfig; log?: (line: string) => void; caseTimeoutMs?: number} = {}): Promise<WebglEngineReport> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tfjs-linsolve-webgl-bench-'));
  const started = Date.now();
  const load0 = os.loadavg();
  let browser: Browser | null = null;
  try {
    const library = await (require('../scripts/build-browser.js') as BuildScript).buildBrowserBundle(path.join(dir, 'lib.js'));
    const cases = path.join(dir, 'cases.js');
    await esbuild.build({absWorkingDir: ROOT, entryPoints: [path.join(__dirname, 'browser', 'webglEngineCases.ts')], outfile: cases,
      bundle: true, format: 'iife', globalName: 'webglBench', platform: 'browser', target: 'es2019', logLevel: 'warning'});
    const scripts = [require.resolve('@tensorflow/tfjs/dist/tf.min.js', {paths: [ROOT]}), library, cases];
    const messages: string[] = [];
    let opened: {page: Page; info: PageInfo};
    try {
      // A long SwiftShader batch on a loaded machine may outlast the GPU process's watchdog,
      // which then kills it (a lost context: one suspect for the page lost at 256² under load ~30).
      browser = await launchChromium(['--disable-gpu-watchdog']);
      opened = await openPage(browser, scripts, messages);
    } catch (error) {
      const reason = `headless Chromium with WebGL could not start: ${String((error as Error)?.message ?? error).split('\n')[0]}`;
      return {markdown: `Skipped: ${reason}.`, json: {skipped: reason}, skipped: reason};
    }
    const info = opened.info;
    const result: WebglBenchResult = {cg: [], bicgstab: [], lu: [], info: {leakedTensors: 0}, log: []};
    const failures: string[] = [];
    const {benchCases} = require('./browser/webglEngineCases') as CasesModule;
    let page: Page | null = opened.page;
    for (const c of benchCases(config)) {
      if (page == null) page = (await openPage(browser, scripts, messages)).page;
      const t0 = Date.now();
      const outcome = await runCase(page, config, c, caseTimeoutMs);
      if (typeof outcome === 'string') {
        failures.push(`${caseName(c)}: ${outcome} (after ${((Date.now() - t0) / 1000).toFixed(0)} s)`);
        log(`webgl bench ${caseName(c)} FAILED: ${outcome}`);
        await page.context().close().catch(() => undefined);
        page = null;
        continue;
      }
      for (const line of outcome.log) log(line);
      result.cg.push(...outcome.cg);
      result.bicgstab.push(...outcome.bicgstab);
      result.lu.push(...outcome.lu);
      (result.info.leakedTensors as number) += outcome.info.leakedTensors as number;
    }
    const meta = {...info, chromium: browser.version(), messages, failures, load: [load0, os.loadavg()], seconds: (Date.now() - started) / 1000};
    return {markdown: format(result, config, meta), json: {config, ...meta, cg: result.cg, bicgstab: result.bicgstab, lu: result.lu,
      leakedTensors: result.info.leakedTensors}};
  } finally {
    if (browser != null) await browser.close().catch(() => undefined);
    fs.rmSync(dir, {recursive: true, force: true});
  }
}

function format(r: WebglBenchResult, config: WebglBenchConfig, info: Record<string, unknown>): string {
  const f = (x: number) => (!Number.isFinite(x) ? '–' : x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));
  const ratio = (a: number, b: number, digits: number) => (Number.isFinite(a / b) ? `${(a / b).toFixed(digits)}×` : '–');
  const load = info.load as number[][];
  type Timed = {median: number; msPerIteration: number[]};
  const med = (x?: Timed) => x?.median ?? NaN;
  const min = (x?: Timed) => (x == null ? NaN : Math.min(...x.msPerIteration));
  const both = (x?: Timed) => `${f(med(x))} (${f(min(x))})`;
  const lines = [
    `${new Date().toISOString()}; Chromium ${info.chromium}, backend ${info.backend}, WEBGL_RENDER_FLOAT32_ENABLED ${info.float32}; ` +
      `renderer "${info.renderer}"; ${os.cpus().length} cores, load ${load[0].map(x => x.toFixed(1)).join(' ')} → ` +
      `${load[1].map(x => x.toFixed(1)).join(' ')}; ${(info.seconds as number).toFixed(0)} s. Software GPU (SwiftShader): not GPU numbers.`,
    '', `#### CG per iteration, 2-D Poisson (b = ones, ${config.iterations} fixed iterations, median of ${config.runs}, round-robin)`, '',
    'ms per iteration: median (min) over the runs; ratios of medians (of minima). Target: engine / floor ≤ 1.5×.', '',
    '| grid | n | tf ops | webgl engine | fused floor | tf ops / engine | engine / floor |',
    '|---|---:|---:|---:|---:|---:|---:|',
  ];
  for (const m of config.grids) {
    const get = (e: string) => r.cg.find(x => x.m === m && x.engine === e);
    const [ops, eng, floor] = [get('tf ops'), get('webgl engine'), get('fused floor')];
    if (eng == null) continue;
    lines.push(`| ${m}² | ${m * m} | ${both(ops)} | ${both(eng)} | ${both(floor)} | ${ratio(med(ops), med(eng), 1)} (${ratio(min(ops), min(eng), 1)}) | ` +
      `${ratio(med(eng), med(floor), 2)} (${ratio(min(eng), min(floor), 2)}) |`);
  }
  lines.push('', `#### BiCGStab per iteration, convection–diffusion (Pe 50, b = ones, ${config.bicgstabIterations} fixed iterations, ` +
    `median of ${config.runs}, round-robin)`, '',
    'ms per iteration (two products each): median (min); engine / CG engine: against twice the CG engine\'s iteration on the same grid.', '',
    '| grid | n | tf ops | webgl engine | tf ops / engine | engine / (2 × CG engine) |', '|---|---:|---:|---:|---:|---:|');
  for (const m of config.grids) {
    const ops = r.bicgstab.find(x => x.m === m && x.engine === 'tf ops');
    const eng = r.bicgstab.find(x => x.m === m && x.engine === 'webgl engine');
    const cg = r.cg.find(x => x.m === m && x.engine === 'webgl engine');
    if (eng == null) continue;
    lines.push(`| ${m}² | ${m * m} | ${both(ops)} | ${both(eng)} | ${ratio(med(ops), med(eng), 1)} (${ratio(min(ops), min(eng), 1)}) | ` +
      `${ratio(med(eng), 2 * med(cg), 2)} |`);
  }
  lines.push('', `#### Dense LU solve (linearSolve {method: 'lu'} + readback; median of ${config.luRuns} after a warm-up; tf ops: one run for B = 1)`, '',
    '| B | n | engine | ms | runs | status | rel. residual |', '|---:|---:|---|---:|---|---|---:|');
  for (const row of r.lu) {
    lines.push(`| ${row.batch} | ${row.n} | ${row.engine} | ${f(row.median)} | ${row.ms.map(f).join(', ')} | ${row.status} | ${row.relativeResidual.toExponential(1)} |`);
  }
  lines.push('', `Tensors leaked by the page's cases: ${r.info.leakedTensors}.`);
  const failures = info.failures as string[];
  if (failures.length > 0) lines.push('', `Cases that did not finish (their page was replaced): ${failures.join('; ')}.`);
  if ((info.messages as string[]).length > 0) lines.push('', `Page errors: ${(info.messages as string[]).join(' | ')}`);
  return lines.join('\n');
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const out = argv.find(a => a.startsWith('--out='))?.slice(6) ?? path.join(ROOT, 'bench', 'results', 'webgl-engine.md');
  const timeout = argv.find(a => a.startsWith('--caseTimeout='))?.slice(14);
  const report = await runWebglEngine({config: webglBenchConfig(argv.includes('--quick'), argv),
    caseTimeoutMs: timeout == null ? undefined : 1000 * Number(timeout)});
  if (report.skipped != null) throw new Error(report.skipped);
  const text = `# WebGL engine: tf ops vs custom programs (bench/webgl-engine.ts)\n\n${report.markdown}\n`;
  process.stdout.write(text);
  fs.mkdirSync(path.dirname(out), {recursive: true});
  fs.writeFileSync(out, text);
}

if (require.main === module) {
  main().catch(error => {
    console.error(error);
    process.exit(1);
  });
}
