/**
 * The property checks of solution, gradients and memory tests, on webgl in headless Chromium
 * (WebGL2 on SwiftShader, float32 render targets required). The page loads TensorFlow.js's
 * dist/tf.min.js, the library's browser bundle (built by scripts/build-browser.js, as
 * `npm run build` ships it) and a bundle of the checks that uses both through the globals
 * `tf` and `tfLinsolve`, just as a user's page would.
 *
 * All checks run once in beforeAll (one browser, one page); each then becomes a jest test with
 * the Node suite's name plus ` [webgl]`. Chromium is required: without it every test fails
 * with how to install it (in CI and locally: no silent skip).
 *
 * Environment: LINSOLVE_CHROMIUM (browser path; else a system Chromium, else @sparticuz/chromium),
 * LINSOLVE_WEBGL_DEBUG=1 (unminified library bundle for readable stacks, a line per check as it
 * runs, and the built page scripts kept in a temporary folder), LINSOLVE_WEBGL_SUITE=text|text (run
 * only the suites whose title contains one of the texts: the page runs every check in
 * beforeAll, so jest's -t alone does not shorten the run).
 */
import * as fs from 'fs';
import {buildPageScripts} from './browser/bundle';
import {WebglReport, requireChromium, resultKey, runWebglChecks} from './browser/page';
import {SUITES} from './browser/suites';

const DEBUG = process.env.LINSOLVE_WEBGL_DEBUG === '1';

/** The check names, computed in Node (the lists are deterministic), so jest knows every test. */
const ONLY = process.env.LINSOLVE_WEBGL_SUITE?.split('|');
const EXPECTED = SUITES.filter(s => ONLY == null || ONLY.some(text => s.title.includes(text)))
  .map(s => ({suite: s.title, names: s.checks(0).map(c => c.name)}));

let report: WebglReport | undefined;

function summary(r: WebglReport): string {
  const info = r.pages[0];
  const results = [...r.results.values()];
  const bySuite = SUITES.map(s => {
    const rs = results.filter(x => x.suite === s.title);
    return `  ${s.title}: ${rs.length} checks, ${(rs.reduce((t, x) => t + x.ms, 0) / 1000).toFixed(1)} s`;
  });
  const slowest = [...results].sort((a, b) => b.ms - a.ms).slice(0, 8)
    .map(x => `  ${(x.ms / 1000).toFixed(2)} s  ${resultKey(x.suite, x.name)}`);
  return [
    `webgl checks: ${results.filter(x => x.ok).length}/${results.length} passed in ${(r.totalMs / 1000).toFixed(1)} s ` +
      `(${r.pages.length} page${r.pages.length > 1 ? 's' : ''})`,
    `tfjs ${info.tfVersion}, backend ${info.backend}, WEBGL_VERSION ${info.webglVersion}, ` +
      `WEBGL_RENDER_FLOAT32_ENABLED ${info.float32RenderEnabled}, WEBGL_RENDER_FLOAT32_CAPABLE ${info.float32RenderCapable}, ` +
      `WEBGL_DOWNLOAD_FLOAT_ENABLED ${info.downloadFloatEnabled}, floatPrecision() ${info.floatPrecision}`,
    `renderer: ${info.renderer}`,
    `tf.grads leak baseline: ${info.gradsLeak} tensor(s) per input`,
    ...bySuite,
    'slowest:',
    ...slowest,
    ...(r.warnings.length > 0 ? [`console warnings (${r.warnings.length}):`, ...r.warnings.slice(0, 10).map(w => `  ${w.check ?? '(page)'}: ${w.text}`)] : []),
  ].join('\n');
}

beforeAll(async () => {
  requireChromium();
  const scripts = await buildPageScripts(!DEBUG);
  try {
    report = await runWebglChecks(scripts, EXPECTED, {log: DEBUG ? (line: string) => { process.stderr.write(`${line}\n`); } : undefined});
  } finally {
    if (DEBUG) process.stderr.write(`page scripts kept in ${scripts.dir}\n`);
    else fs.rmSync(scripts.dir, {recursive: true, force: true});
  }
  console.log(summary(report));
}, 20 * 60_000);

function theReport(): WebglReport {
  if (report == null) throw new Error('the WebGL checks did not run (see the beforeAll error)');
  return report;
}

describe('the WebGL page [webgl]', () => {
  it('runs tfjs on webgl with float32 render targets', () => {
    for (const info of theReport().pages) {
      expect(info.backend).toBe('webgl');
      expect(info.float32RenderEnabled).toBe(true);
    }
  });

  it('loading tfjs-linsolve.min.js initialises no backend', () => {
    for (const info of theReport().pages) expect(info.backendsAtLoad).toEqual([]);
  });

  it('logs no console errors and throws no page errors outside the checks', () => {
    const errors = theReport().pageErrors.map(m => `${m.kind}: ${m.text}`);
    if (errors.length > 0) throw new Error(errors.join('\n'));
  });
});

for (const {suite, names} of EXPECTED) {
  describe(`${suite} [webgl]`, () => {
    for (const name of names) {
      it(name, () => {
        const result = theReport().results.get(resultKey(suite, name));
        if (result == null) throw new Error('this check did not run in the page');
        if (!result.ok) throw new Error(`on webgl in headless Chromium: ${result.message}`);
      });
    }
  });
}
