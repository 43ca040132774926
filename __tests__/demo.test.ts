/**
 * The in-browser demo (examples/browser/, served by scripts/demo.js as `npm run demo` does) in
 * headless Chromium on WebGL (SwiftShader), driven like a user: a paint stroke with the mouse
 * on the κ canvas must change the solution canvas; "Descend" must lower the loss with a flat
 * tensor count; the page must log no console errors and throw no page errors. Saves a
 * screenshot to __tests__/artifacts/demo.png.
 *
 * The library bundle is built fresh into a temporary folder (scripts/build-browser.js, as
 * `npm run build` builds dist/), so the page runs the current src/ and the test writes nothing
 * into dist/. Chromium is required (see browser/findChromium.ts): without it the
 * suite fails with how to get it, in CI and locally, never skips.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import {Browser, Page} from 'playwright-core';
import {launchChromium, requireChromium} from './browser/page';

interface DemoServer {
  url: string;
  close(): Promise<void>;
}
// Plain .js scripts (no typings): typed here.
const demoServer = require('../scripts/demo.js') as {
  startServer(options: {port?: number; host?: string; bundle?: string}): Promise<DemoServer>;
};
const buildScript = require('../scripts/build-browser.js') as {
  buildBrowserBundle(outfile: string, options?: {minify?: boolean}): Promise<string>;
};

/** What the page reports (examples/browser/demo.js). */
interface ReadyInfo {
  backend: string;
  float32: boolean;
  software: boolean;
  renderer: string;
  tfVersion: string;
}
interface DemoStats {
  frame: number;
  loss: number;
  error: number;
  iterations: number;
  status: string;
  ms: number;
  numTensors: number;
  descending: boolean;
  uChecksum: number;
}
interface DemoWindow {
  demoReady: Promise<ReadyInfo>;
  demo: {stats: DemoStats; model: {size: number}; frames(k?: number): Promise<DemoStats>; setDescend(on: boolean): void};
}

const ARTIFACTS = path.join(__dirname, 'artifacts');
const SCREENSHOT = path.join(ARTIFACTS, 'demo.png');

let dir = '';
let server: DemoServer | undefined;
let browser: Browser | undefined;
let page: Page | undefined;
let ready: ReadyInfo | undefined;
/** Console errors, uncaught page errors, crashes and failed requests, as they happen. */
const problems: string[] = [];

function thePage(): Page {
  if (page == null || ready == null) throw new Error('the demo page did not start (see the beforeAll error)');
  return page;
}

/** Waits until k more frames have been drawn; resolves with the page's stats. */
function frames(k: number): Promise<DemoStats> {
  return thePage().evaluate(n => (window as unknown as DemoWindow).demo.frames(n), k);
}

/** The colour at the centre of each of the canvas's M×M cells (RGB, row by row). */
function cellColours(id: string): Promise<number[]> {
  return thePage().evaluate(canvasId => {
    const canvas = document.getElementById(canvasId) as HTMLCanvasElement;
    const data = (canvas.getContext('2d') as CanvasRenderingContext2D).getImageData(0, 0, canvas.width, canvas.height).data;
    const M = (window as unknown as DemoWindow).demo.model.size;
    const colours: number[] = [];
    for (let r = 0; r < M; r++) {
      for (let c = 0; c < M; c++) {
        const x = Math.floor((c + 0.5) * canvas.width / M);
        const y = Math.floor((r + 0.5) * canvas.height / M);
        const p = 4 * (y * canvas.width + x);
        colours.push(data[p], data[p + 1], data[p + 2]);
      }
    }
    return colours;
  }, id);
}

/** How many cells changed colour (any channel by more than 8 of 255). */
function changedCells(a: number[], b: number[]): number {
  let changed = 0;
  for (let p = 0; p < a.length; p += 3) {
    if (Math.abs(a[p] - b[p]) > 8 || Math.abs(a[p + 1] - b[p + 1]) > 8 || Math.abs(a[p + 2] - b[p + 2]) > 8) changed++;
  }
  return changed;
}

beforeAll(async () => {
  requireChromium();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tfjs-linsolve-demo-'));
  const bundle = await buildScript.buildBrowserBundle(path.join(dir, 'tfjs-linsolve.min.js'));
  server = await demoServer.startServer({port: 0, host: '127.0.0.1', bundle});
  browser = await launchChromium();
  page = await browser.newPage({viewport: {width: 1440, height: 1040}});
  page.on('console', m => { if (m.type() === 'error') problems.push(`console.error: ${m.text()}`); });
  page.on('pageerror', e => problems.push(`pageerror: ${e.stack ?? e.message}`));
  page.on('crash', () => problems.push('the page crashed'));
  page.on('requestfailed', r => problems.push(`request failed: ${r.url()} (${r.failure()?.errorText})`));
  page.on('response', r => { if (r.status() >= 400) problems.push(`HTTP ${r.status()}: ${r.url()}`); });
  await page.goto(server.url);
  try {
    ready = await page.evaluate(() => (window as unknown as DemoWindow).demoReady);
  } catch (error) {
    throw new Error(`the demo did not start: ${(error as Error).message}` +
      (problems.length > 0 ? `\nthe page reported:\n  ${problems.join('\n  ')}` : ''));
  }
}, 60_000);

afterAll(async () => {
  await browser?.close().catch(() => undefined);
  await server?.close();
  if (dir !== '') fs.rmSync(dir, {recursive: true, force: true});
});

describe('the in-browser demo (examples/browser) [webgl]', () => {
  it('runs on webgl with float32 render targets and says so on the page', async () => {
    expect(ready?.backend).toBe('webgl');
    expect(ready?.float32).toBe(true);
    const p = thePage();
    expect(await p.getAttribute('html', 'data-ready')).toBe('true');
    expect(await p.textContent('#backend')).toContain('webgl');
    expect(await p.isHidden('#error')).toBe(true);
  });

  it('a paint stroke on κ changes the κ and solution canvases', async () => {
    const p = thePage();
    const beforeStats = await frames(1);
    const [kappaBefore, solutionBefore] = [await cellColours('kappa'), await cellColours('solution')];
    const box = await p.locator('#kappa').boundingBox();
    if (box == null) throw new Error('the κ canvas is not visible');
    // A stroke across the upper right quarter, with the default brush (raises κ). Each input
    // event waits for the frame in flight (a solve blocks the page's main thread).
    await p.mouse.move(box.x + 0.55 * box.width, box.y + 0.2 * box.height);
    await p.mouse.down();
    await p.mouse.move(box.x + 0.85 * box.width, box.y + 0.45 * box.height, {steps: 3});
    await p.mouse.up();
    const after = await frames(2);   // the frame in flight at mouse-up may not have all of the stroke
    const [kappaAfter, solutionAfter] = [await cellColours('kappa'), await cellColours('solution')];
    const cells = kappaBefore.length / 3;
    expect(changedCells(kappaBefore, kappaAfter)).toBeGreaterThan(cells / 20);
    expect(changedCells(solutionBefore, solutionAfter)).toBeGreaterThan(cells / 20);
    expect(after.uChecksum).not.toBeCloseTo(beforeStats.uChecksum, 6);
    expect(after.loss).not.toBe(beforeStats.loss);
    expect(after.status).toBe('converged');
  });

  it('"Descend" lowers the loss, with a flat tensor count', async () => {
    const p = thePage();
    await p.click('#descend');
    expect(await p.getAttribute('#descend', 'aria-pressed')).toBe('true');
    // The frame in flight at the click may still be a plain one.
    let first = await frames(1);
    for (let k = 0; k < 3 && !first.descending; k++) first = await frames(1);
    const early = await frames(2);
    const late = await frames(4);
    await p.click('#descend');
    expect(await p.getAttribute('#descend', 'aria-pressed')).toBe('false');
    const paused = await frames(1);
    expect(first.descending && late.descending).toBe(true);
    expect(late.loss).toBeLessThan(0.8 * first.loss);
    expect(late.error).toBeLessThan(first.error);
    // Adam's moments, the warm start and the pattern exist from the first descend frame on:
    // after that, nothing may accumulate from frame to frame.
    expect(late.numTensors).toBe(early.numTensors);
    expect(paused.numTensors).toBe(late.numTensors);
    expect(await p.textContent('#stat-tensors')).toBe(String(paused.numTensors));
  });

  it('computes nothing while nothing changes', async () => {
    const settled = await frames(1);   // after a descent step, one more frame shows the last θ
    await new Promise(resolve => setTimeout(resolve, 1500));
    const stats = await thePage().evaluate(() => (window as unknown as DemoWindow).demo.stats);
    expect(stats.frame).toBe(settled.frame);
  });

  it('saves a screenshot to __tests__/artifacts/demo.png', async () => {
    fs.mkdirSync(ARTIFACTS, {recursive: true});
    await thePage().screenshot({path: SCREENSHOT, fullPage: true});
    expect(fs.statSync(SCREENSHOT).size).toBeGreaterThan(10_000);
  });

  it('logs no console errors and throws no page errors', () => {
    thePage();
    if (problems.length > 0) throw new Error(problems.join('\n'));
  });
});
