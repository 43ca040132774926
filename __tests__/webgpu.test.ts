/**
 * The asynchronous solves on `@tensorflow/tfjs-backend-webgpu` in headless Chromium (WebGPU on
 * SwiftShader through Vulkan): x against the float64 reference, statuses and errors as
 * rejected promises, no tensor left behind, and no synchronous read at all (WebGPU breaks
 * after one). The kernel seam gives webgpu the tf-ops kernels. SwiftShader's WebGPU is slow,
 * so this checks correctness only; it runs as `npm run test:webgpu` (see the README).
 *
 * Environment as for webgl.test.ts (LINSOLVE_CHROMIUM, LINSOLVE_WEBGL_DEBUG=1).
 */
import * as fs from 'fs';
import {buildPageScripts} from './browser/bundle';
import {WebglReport, requireChromium, resultKey, runWebglChecks} from './browser/page';
import {WEBGPU_SUITES} from './browser/suites';

const DEBUG = process.env.LINSOLVE_WEBGL_DEBUG === '1';
const EXPECTED = WEBGPU_SUITES.map(s => ({suite: s.title, names: s.checks(0).map(c => c.name)}));

let report: WebglReport | undefined;

beforeAll(async () => {
  requireChromium();
  const scripts = await buildPageScripts(!DEBUG);
  try {
    report = await runWebglChecks(scripts, EXPECTED, {
      backend: 'webgpu', checkTimeoutMs: 300_000,
      log: DEBUG ? (line: string) => { process.stderr.write(`${line}\n`); } : undefined,
    });
  } finally {
    if (!DEBUG) fs.rmSync(scripts.dir, {recursive: true, force: true});
  }
  const results = [...report.results.values()];
  const info = report.pages[0];
  console.log([
    `webgpu checks: ${results.filter(x => x.ok).length}/${results.length} passed in ${(report.totalMs / 1000).toFixed(1)} s`,
    `tfjs ${info.tfVersion}, backend ${info.backend}, adapter: ${info.renderer}`,
    ...WEBGPU_SUITES.map(s => {
      const rs = results.filter(x => x.suite === s.title);
      return `  ${s.title}: ${rs.length} checks, ${(rs.reduce((t, x) => t + x.ms, 0) / 1000).toFixed(1)} s`;
    }),
  ].join('\n'));
}, 30 * 60_000);

function theReport(): WebglReport {
  if (report == null) throw new Error('the WebGPU checks did not run (see the beforeAll error)');
  return report;
}

describe('the WebGPU page [webgpu]', () => {
  it('runs tfjs on webgpu', () => {
    for (const info of theReport().pages) expect(info.backend).toBe('webgpu');
  });

  it('logs no console errors and throws no page errors outside the checks', () => {
    const errors = theReport().pageErrors.map(m => `${m.kind}: ${m.text}`);
    if (errors.length > 0) throw new Error(errors.join('\n'));
  });
});

for (const {suite, names} of EXPECTED) {
  describe(`${suite} [webgpu]`, () => {
    for (const name of names) {
      it(name, () => {
        const result = theReport().results.get(resultKey(suite, name));
        if (result == null) throw new Error('this check did not run in the page');
        if (!result.ok) throw new Error(`on webgpu in headless Chromium: ${result.message}`);
      });
    }
  });
}
