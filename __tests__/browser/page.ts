/**
 * Drives headless Chromium (found by `findChromium`, launched through playwright-core, WebGL2 on
 * SwiftShader): loads tf.min.js, the library bundle and the test bundle into a page, selects
 * webgl, runs every check by suite and name, and collects console errors and page errors.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as url from 'url';
import {Browser, BrowserContext, Page, chromium} from 'playwright-core';
import {PageScripts} from './bundle';
import {findChromium} from './findChromium';
import {CheckResult, Harness, PageInfo} from './suites';

export const CHROMIUM_ARGS = [
  '--headless=new', '--no-sandbox', '--use-angle=swiftshader', '--enable-unsafe-swiftshader',
  '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--disable-quic',
];

/** Throws (never skips) when no Chromium can be found, in CI and locally alike; else its path. */
export function requireChromium(): string {
  return findChromium().path;
}

/** What WebGPU on SwiftShader (Vulkan) needs on top of CHROMIUM_ARGS. */
export const WEBGPU_ARGS = ['--enable-unsafe-webgpu', '--enable-features=Vulkan', '--use-webgpu-adapter=swiftshader'];

/** Launches headless Chromium with CHROMIUM_ARGS (WebGL2 on SwiftShader); throws when it is missing. */
export function launchChromium(extraArgs: string[] = []): Promise<Browser> {
  return chromium.launch({executablePath: requireChromium(), args: [...CHROMIUM_ARGS, ...extraArgs]});
}

/** A console error, an uncaught page error or a crash, with the check that was running. */
export interface PageMessage {
  /** `suite › name`, or null outside any check (loading the scripts, setup). */
  check: string | null;
  kind: 'console.error' | 'console.warning' | 'pageerror' | 'crash';
  text: string;
}

export interface WebglReport {
  /** One per page opened (a new page follows a check that hung or crashed its page). */
  pages: PageInfo[];
  results: Map<string, CheckResult>;
  /** console.error, pageerror and crashes outside checks (those inside fail their check). */
  pageErrors: PageMessage[];
  /** console.warning messages anywhere (reported, not failed on). */
  warnings: PageMessage[];
  totalMs: number;
}

export const resultKey = (suite: string, name: string) => `${suite} › ${name}`;

type Globals = {linsolveHarness: Harness};

class Session {
  current: string | null = null;
  readonly messages: PageMessage[] = [];

  private constructor(readonly context: BrowserContext, readonly page: Page) {
    page.on('console', m => {
      if (m.type() === 'error' || m.type() === 'warning') {
        this.messages.push({check: this.current, kind: m.type() === 'error' ? 'console.error' : 'console.warning', text: m.text()});
      }
    });
    page.on('pageerror', e => this.messages.push({check: this.current, kind: 'pageerror', text: e.stack ?? e.message}));
    page.on('crash', () => this.messages.push({check: this.current, kind: 'crash', text: 'the page crashed'}));
  }

  static async open(browser: Browser, scripts: PageScripts, backend: string): Promise<{session: Session; info: PageInfo}> {
    const context = await browser.newContext();
    const session = new Session(context, await context.newPage());
    const {page} = session;
    try {
      const html = `<!doctype html><html><head><title>tfjs-linsolve ${backend} checks</title></head><body></body></html>`;
      if (backend === 'webgpu') {
        // navigator.gpu exists only in a secure context, which about:blank is not; file: is.
        const file = path.join(scripts.dir, 'webgpu.html');
        fs.writeFileSync(file, html);
        await page.goto(url.pathToFileURL(file).href);
      } else {
        await page.setContent(html);
      }
      // The order a user's page uses: TensorFlow.js (and a backend), the library, then code using both.
      const files = [scripts.tfjs, ...(backend === 'webgpu' ? [scripts.webgpu] : []), scripts.library, scripts.tests];
      for (const file of files) await page.addScriptTag({path: file});
      const info = await page.evaluate(b => (globalThis as unknown as Globals).linsolveHarness.setup(b), backend);
      return {session, info};
    } catch (error) {
      await session.close();
      const seen = session.messages.map(m => `\n  ${m.kind}: ${m.text}`).join('');
      throw new Error(`setting up the ${backend} page failed: ${(error as Error).message}` +
        (seen === '' ? '' : `\nthe page reported:${seen}`));
    }
  }

  names(backend: string): Promise<{suite: string; names: string[]}[]> {
    return this.page.evaluate(b => (globalThis as unknown as Globals).linsolveHarness.names(b), backend);
  }

  /** Runs one check; a rejected or timed-out evaluate becomes a failed result. */
  async run(suite: string, name: string, timeoutMs: number): Promise<{result: CheckResult; broken: boolean}> {
    this.current = resultKey(suite, name);
    const start = Date.now();
    let timer: NodeJS.Timeout | undefined;
    const evaluation = this.page.evaluate(([s, n]) => (globalThis as unknown as Globals).linsolveHarness.run(s, n), [suite, name]);
    evaluation.catch(() => undefined);   // after a timeout, closing the page rejects it
    const timeout = new Promise<'timeout'>(resolve => { timer = setTimeout(() => resolve('timeout'), timeoutMs); });
    try {
      const outcome = await Promise.race([evaluation, timeout]);
      if (outcome === 'timeout') {
        return {broken: true, result: {suite, name, ok: false, ms: Date.now() - start,
          message: `did not finish within ${timeoutMs / 1000} s in the page (the page was closed and a new one opened)`}};
      }
      return {broken: false, result: outcome};
    } catch (error) {
      return {broken: true, result: {suite, name, ok: false, ms: Date.now() - start,
        message: `the page failed while running the check: ${(error as Error).message}`}};
    } finally {
      clearTimeout(timer);
      this.current = null;
    }
  }

  close(): Promise<void> {
    return this.context.close().catch(() => undefined);
  }
}

/**
 * Runs every expected check in headless Chromium on webgl. Throws when the page cannot be set
 * up (no webgl, no float32 render targets, a script that fails to load) or when the page's
 * check names differ from `expected` (which jest computed in Node).
 */
export async function runWebglChecks(scripts: PageScripts, expected: {suite: string; names: string[]}[],
    {checkTimeoutMs = 120_000, log = (_: string): void => undefined, backend = 'webgl'}:
    {checkTimeoutMs?: number; log?: (line: string) => void; backend?: 'webgl' | 'webgpu'} = {}): Promise<WebglReport> {
  requireChromium();
  const start = Date.now();
  const browser = await launchChromium(backend === 'webgpu' ? WEBGPU_ARGS : []);
  const report: WebglReport = {pages: [], results: new Map(), pageErrors: [], warnings: [], totalMs: 0};
  const messages: PageMessage[] = [];
  let session: Session | null = null;
  try {
    const open = async () => {
      const opened = await Session.open(browser, scripts, backend);
      report.pages.push(opened.info);
      return opened.session;
    };
    session = await open();
    // The expected suites may be a selection of the page's (LINSOLVE_WEBGL_SUITE): compare those.
    const inPage = (await session.names(backend)).filter(s => expected.some(e => e.suite === s.suite));
    if (JSON.stringify(inPage) !== JSON.stringify(expected)) {
      throw new Error(`the page's checks differ from Node's:\npage: ${JSON.stringify(inPage)}\nnode: ${JSON.stringify(expected)}`);
    }
    for (const {suite, names} of expected) {
      for (const name of names) {
        if (session == null) session = await open();
        const {result, broken} = await session.run(suite, name, checkTimeoutMs);
        report.results.set(resultKey(suite, name), result);
        log(`${result.ok ? 'ok  ' : 'FAIL'} ${(result.ms / 1000).toFixed(2).padStart(7)} s  ${resultKey(suite, name)}`);
        if (broken) {
          messages.push(...session.messages.splice(0));
          await session.close();
          session = null;
        }
      }
    }
  } finally {
    if (session != null) {
      messages.push(...session.messages.splice(0));
      await session.close();
    }
    await browser.close().catch(() => undefined);
  }
  for (const m of messages) {
    if (m.kind === 'console.warning') { report.warnings.push(m); continue; }
    const result = m.check == null ? undefined : report.results.get(m.check);
    if (result == null) { report.pageErrors.push(m); continue; }
    result.ok = false;
    result.message += `${result.message === '' ? '' : '\n'}the page reported a ${m.kind} during this check: ${m.text}`;
  }
  report.totalMs = Date.now() - start;
  return report;
}
