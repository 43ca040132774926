/**
 * The test bundle loaded into headless Chromium after tf.min.js and tfjs-linsolve.min.js.
 * bundle.ts maps `@tensorflow/tfjs` to the global `tf` and the library (`../../src`) to the
 * global `tfLinsolve`, so the checks run against the browser bundle exactly as a user's page
 * loads it. Defines `globalThis.linsolveChecks` (the property checks) and
 * `globalThis.linsolveHarness` (setup on webgl, then run one check by suite and name).
 */
import * as tf from '@tensorflow/tfjs';
import {
  AsyncCheck, Check, batchChecks, finiteDifferenceChecks, gradientChecks, leakChecks, measureGradsLeak, solutionChecks,
} from '../support/properties';
import {CheckResult, Harness, PageInfo, SUITES, suitesFor} from './suites';

let checks: Map<string, Map<string, Check | AsyncCheck>> | null = null;

function rendererString(): string {
  const gl = document.createElement('canvas').getContext('webgl2');
  if (gl == null) return 'no webgl2 context';
  const info = gl.getExtension('WEBGL_debug_renderer_info');
  return String(gl.getParameter(info != null ? info.UNMASKED_RENDERER_WEBGL : gl.RENDERER));
}

async function setup(backend = 'webgl'): Promise<PageInfo> {
  if (backend !== 'webgl') return setupOther(backend);
  // Backends the engine initialised before this point (loading the scripts must init none,
  // or the flag below would come too late).
  const backendsAtLoad = Object.keys((tf.engine() as unknown as {registry: object}).registry);
  // Without this, tfjs asks for a context with failIfMajorPerformanceCaveat (no SwiftShader).
  tf.env().set('SOFTWARE_WEBGL_ENABLED', true);
  if (!(await tf.setBackend('webgl'))) throw new Error('tf.setBackend(\'webgl\') failed');
  await tf.ready();
  const env = tf.env();
  const info: PageInfo = {
    backend: tf.getBackend(),
    tfVersion: tf.version.tfjs,
    webglVersion: env.getNumber('WEBGL_VERSION'),
    float32RenderEnabled: env.getBool('WEBGL_RENDER_FLOAT32_ENABLED'),
    float32RenderCapable: env.getBool('WEBGL_RENDER_FLOAT32_CAPABLE'),
    downloadFloatEnabled: env.getBool('WEBGL_DOWNLOAD_FLOAT_ENABLED'),
    floatPrecision: tf.backend().floatPrecision(),
    renderer: rendererString(),
    userAgent: navigator.userAgent,
    gradsLeak: NaN,
    backendsAtLoad,
  };
  if (info.backend !== 'webgl') throw new Error(`the active backend is ${info.backend}, not webgl`);
  if (!info.float32RenderEnabled) {
    throw new Error('WEBGL_RENDER_FLOAT32_ENABLED is false: this WebGL renders to float16 textures, ' +
      'and the tolerances of the checks assume float32');
  }
  info.gradsLeak = measureGradsLeak();
  checks = new Map(SUITES.map(s => [s.title, new Map(s.checks(info.gradsLeak).map(c => [c.name, c]))]));
  return info;
}

/**
 * A backend other than webgl (webgpu): selected as it is, with no synchronous read, since
 * WebGPU breaks after one (measureGradsLeak would read).
 */
async function setupOther(backend: string): Promise<PageInfo> {
  const backendsAtLoad = Object.keys((tf.engine() as unknown as {registry: object}).registry);
  if (!(await tf.setBackend(backend))) throw new Error(`tf.setBackend('${backend}') failed`);
  await tf.ready();
  const info: PageInfo = {
    backend: tf.getBackend(), tfVersion: tf.version.tfjs, webglVersion: 0, float32RenderEnabled: false,
    float32RenderCapable: false, downloadFloatEnabled: false, floatPrecision: tf.backend().floatPrecision(),
    renderer: await adapterString(), userAgent: navigator.userAgent, gradsLeak: NaN, backendsAtLoad,
  };
  if (info.backend !== backend) throw new Error(`the active backend is ${info.backend}, not ${backend}`);
  checks = new Map(suitesFor(backend).map(s => [s.title, new Map(s.checks(0).map(c => [c.name, c]))]));
  return info;
}

/** The WebGPU adapter's vendor and architecture, as the page sees it. */
async function adapterString(): Promise<string> {
  const gpu = (navigator as unknown as {gpu?: {requestAdapter(): Promise<{info?: Record<string, string>} | null>}}).gpu;
  const adapter = gpu == null ? null : await gpu.requestAdapter();
  const info = adapter?.info;
  return info == null ? 'no adapter info' : `${info.vendor} ${info.architecture} ${info.description ?? ''}`.trim();
}

function names(backend = 'webgl'): {suite: string; names: string[]}[] {
  return suitesFor(backend).map(s => ({suite: s.title, names: s.checks(0).map(c => c.name)}));
}

async function run(suite: string, name: string): Promise<CheckResult> {
  const check = checks?.get(suite)?.get(name);
  if (check == null) {
    return {suite, name, ok: false, ms: 0, message: checks == null ? 'setup() has not run' : 'no such check in the page'};
  }
  const start = performance.now();
  try {
    await check.run();
    return {suite, name, ok: true, message: '', ms: performance.now() - start};
  } catch (error) {
    const e = error as Error;
    const message = !(e instanceof Error) ? String(error)
      : e.stack != null && e.stack.includes(e.message) ? e.stack : `${e.message}\n${e.stack ?? ''}`;
    return {suite, name, ok: false, message, ms: performance.now() - start};
  }
}

const harness: Harness = {setup, names, run};
const page = globalThis as unknown as Record<string, unknown>;
page.linsolveChecks = {solutionChecks, batchChecks, gradientChecks, finiteDifferenceChecks, leakChecks, measureGradsLeak};
page.linsolveHarness = harness;
