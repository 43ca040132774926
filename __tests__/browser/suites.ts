/**
 * The WebGL suites: the same property checks and suite titles as the Node tests
 * (solution.test.ts, gradients.test.ts, memory.test.ts), shared by the page (entry.ts runs
 * them) and by jest (webgl.test.ts names its tests from them before the page exists).
 */
import {
  AsyncCheck, Check, autoChecks, batchChecks, finiteDifferenceChecks, gradientChecks, leakChecks, secondOrderChecks, solutionChecks,
  sparseBatchChecks,
} from '../support/properties';
import {odeChecks} from '../support/odeProperties';
import {solveModelFitCheck} from '../support/layerProperties';
import {predictChecks} from '../support/learnedProperties';
import {refineChecks} from '../support/refineProperties';
import {linalgWebglChecks} from '../support/linalgProperties';
import {webglEngineChecks} from '../support/webglEngineProperties';
import {
  asyncGradientChecks, asyncLeakChecks, asyncSolutionChecks, asyncStatusChecks, readbackFreeGradientChecks,
} from '../support/asyncProperties';

export interface Suite {
  /** The Node suite's describe title; jest appends ` [webgl]`. */
  title: string;
  /** The checks; `gradsLeak` is tfjs's own per-input leak of tf.grads, measured in the page. */
  checks(gradsLeak: number): Array<Check | AsyncCheck>;
}

export const SUITES: Suite[] = [
  {title: 'solution matches a float64 reference', checks: () => solutionChecks('webgl')},
  {title: "'auto' picks by the solvers' capabilities", checks: () => autoChecks('webgl')},
  {title: 'batched systems', checks: () => [...batchChecks(), ...sparseBatchChecks()]},
  {title: 'gradients match the analytic float64 ones', checks: () => gradientChecks('webgl')},
  {title: 'gradients agree with finite differences (loose, float32)', checks: () => finiteDifferenceChecks('webgl')},
  {title: 'no tensor leaks', checks: gradsLeak => leakChecks(gradsLeak, 'webgl')},
  {title: 'second derivatives with respect to A over the case table', checks: () => secondOrderChecks('webgl')},
  {title: 'odeint and the physics ODE layer', checks: () => odeChecks()},
  {title: 'solve layers train with model.fit', checks: () => [solveModelFitCheck()]},
  {title: 'neurally accelerated solver', checks: () => predictChecks()},
  {title: 'iterative refinement (double-float residuals)', checks: () => refineChecks()},
  {title: 'ls.linalg matches float64 and is differentiable', checks: gradsLeak => linalgWebglChecks(gradsLeak)},
  {title: 'the WebGL engine matches the tf-ops kernels and float64', checks: () => webglEngineChecks()},
  {title: 'asynchronous solves equal the synchronous path, with no synchronous read',
    checks: () => asyncSolutionChecks('webgl', {compareSync: true, noSyncReads: true, ks: [1]})},
  {title: 'asynchronous solves: statuses, errors and gradients', checks: () => [...asyncStatusChecks(), ...asyncGradientChecks()]},
];

/**
 * The WebGPU table: tfjs-backend-webgpu breaks after any synchronous read, so only the
 * asynchronous solves run there, checked against float64 with every value read by `data()`.
 * Gradients run through tfjs's synchronous backward, so only a solve with no readback at all
 * (fixedIterations) is differentiated there.
 */
export const WEBGPU_SUITES: Suite[] = [
  {title: 'asynchronous solves match a float64 reference',
    checks: () => asyncSolutionChecks('webgpu', {compareSync: false, noSyncReads: true, ks: [1, 3]})},
  {title: 'asynchronous solves: statuses and errors', checks: () => asyncStatusChecks()},
  {title: 'asynchronous solves leave no tensor behind', checks: () => asyncLeakChecks('webgpu')},
  {title: 'gradients through a solve with no readback', checks: () => readbackFreeGradientChecks()},
];

/** The suites a page on `backend` runs. */
export function suitesFor(backend: string): Suite[] {
  return backend === 'webgpu' ? WEBGPU_SUITES : SUITES;
}

/** One check's outcome in the page. */
export interface CheckResult {
  suite: string;
  name: string;
  ok: boolean;
  /** Empty when ok; else the error's message and stack. */
  message: string;
  ms: number;
}

/** What the page found after selecting the webgl backend. */
export interface PageInfo {
  backend: string;
  tfVersion: string;
  webglVersion: number;
  float32RenderEnabled: boolean;
  float32RenderCapable: boolean;
  downloadFloatEnabled: boolean;
  floatPrecision: number;
  renderer: string;
  userAgent: string;
  /** Tensors tfjs itself leaks per input of one tf.grads call here (measureGradsLeak). */
  gradsLeak: number;
  /** Backends already initialised when the scripts had loaded (should be none). */
  backendsAtLoad: string[];
}

/** What entry.ts puts on `globalThis.linsolveHarness`. */
export interface Harness {
  /** Selects `backend` ('webgl' unless given) and builds its checks. */
  setup(backend?: string): Promise<PageInfo>;
  names(backend?: string): {suite: string; names: string[]}[];
  run(suite: string, name: string): Promise<CheckResult>;
}
