import * as tf from '@tensorflow/tfjs';
import * as ls from '../src';
import {hostEngineRuns, useHostEngine} from '../src/solvers/krylov/hostEngine';
import {hostData} from '../src/kernels/host/hostBackend';
import {useWasmKernels, wasmKernels} from '../src/kernels/host/wasmKernels';
import {describeEachBackend} from './support/backends';
import {RTOL, solutionBound} from '../testing/bounds';
import {convectionDiffusion, nonsymmetric, spd} from '../testing/cases';
import {Matrix64, condition, matrix, randomVector, relativeError, solve64} from '../testing/reference';

/** The 5-point Laplacian on an m×m grid as a float64 matrix, and its condition number. */
function poisson64(m: number): {a: Matrix64; kappa: number} {
  const a = convectionDiffusion(m, 0);
  const eig = (i: number, j: number) => 4 - 2 * Math.cos(i * Math.PI / (m + 1)) - 2 * Math.cos(j * Math.PI / (m + 1));
  return {a, kappa: eig(m, m) / eig(1, 1)};
}

function sparseOf(a: Matrix64, tags: ls.OperatorTag[]): ls.SparseOperator {
  const indices: number[][] = [];
  const values: number[] = [];
  for (let i = 0; i < a.n; i++) for (let j = 0; j < a.n; j++) {
    if (a.data[i * a.n + j] !== 0) { indices.push([i, j]); values.push(a.data[i * a.n + j]); }
  }
  return ls.sparse({indices, values: tf.tensor1d(values), shape: [a.n, a.n], tags});
}

const f32 = (v: ArrayLike<number>) => Float32Array.from(v);

interface Run {x: Float32Array; status: string; iterations: number; relativeResidual: number; host: boolean; wasm: boolean}

/** One solve with the host engine on or off; reports whether the host engine ran it. */
function run(host: boolean, method: string, A: ls.LinearOperator | tf.Tensor, b: tf.Tensor,
    options: ls.SolveOptions = {}): Run {
  const previous = useHostEngine(host);
  const before = hostEngineRuns(method);
  const beforeWasm = hostEngineRuns(`${method}:wasm`);
  try {
    const result = ls.linearSolve(A, b, {method: method as ls.MethodName, onFailure: 'ignore', ...options});
    const x = result.x.dataSync() as Float32Array;
    result.x.dispose();
    return {...result, x: Float32Array.from(x), host: hostEngineRuns(method) > before,
      wasm: hostEngineRuns(`${method}:wasm`) > beforeWasm};
  } finally {
    useHostEngine(previous);
  }
}

/** The host engine and the tf-ops loop: same status, iterations within ±checkEvery. */
function agree(method: string, A: ls.LinearOperator | tf.Tensor, b: tf.Tensor, options: ls.SolveOptions,
    onHost: boolean, compareIterations = true): {host: Run; ops: Run} {
  const host = run(true, method, A, b, options);
  const ops = run(false, method, A, b, options);
  expect(host.host).toBe(onHost);
  expect(ops.host).toBe(false);
  expect(host.status).toBe(ops.status);
  if (compareIterations) expect(Math.abs(host.iterations - ops.iterations)).toBeLessThanOrEqual(options.checkEvery ?? 5);
  return {host, ops};
}

// Every case twice: products (and CG's updates) in the WebAssembly kernels, and in JS loops.
describe.each([['wasm kernels', true], ['JS kernels', false]] as const)('%s', (_, kernels) => {
  let previousKernels = true;
  beforeAll(() => { previousKernels = useWasmKernels(kernels); });
  afterAll(() => { useWasmKernels(previousKernels); });

  describeEachBackend('host Krylov engine', backend => {
    const onHost = backend === 'cpu' || backend === 'wasm';
    // The kernels take sparse operators, one column at a time, where WebAssembly SIMD exists.
    const onWasm = (k: number) => onHost && kernels && k === 1 && wasmKernels() != null;
    const m = 12;
    const {a: poisson, kappa} = poisson64(m);
    const n = m * m;
    let A: ls.SparseOperator;
    let before: number;
    // On tfjs-node the CG engine is picked by shape, the host loop included (nodeEngine.test.ts):
    // here its native loop stands in, so that this suite's host engine is cpu's and wasm's.
    let engine: ls.NativeEngineChoice = true;
    beforeAll(() => { engine = ls.useNativeEngine('native'); });
    afterAll(() => { ls.useNativeEngine(engine); });
    beforeAll(() => {
      A = sparseOf(poisson, ['symmetric', 'positiveDefinite']);
      // The pattern's index tensors for this backend are made once, on first use: not a leak.
      // With the engine off, wasm's sparse product takes the padded-row (ELL) layout instead.
      for (const on of [true, false]) {
        const previous = useHostEngine(on);
        tf.dispose(tf.tidy(() => [A.apply(tf.ones([n, 1])), A.apply(tf.ones([n, 2])), A.diagonal()]));
        useHostEngine(previous);
      }
      void [A.pattern.rowTensor, A.pattern.colTensor];
    });
    afterAll(() => A.values.dispose());
    beforeEach(() => { before = tf.memory().numTensors; });
    afterEach(() => expect(tf.memory().numTensors).toBe(before));

    const bound = solutionBound(n, kappa, true);

    it.each([1, 3].flatMap(k => ([['cg', {}], ['cg', {preconditioner: 'jacobi'}], ['bicgstab', {}],
        ['gmres', {restart: 20}], ['gmres', {preconditioner: 'jacobi', restart: 7}], ['jacobi', {}],
        ['cg', {preconditioner: 'ssor'}]] as const).map(([method, extra]) => [method, extra, k] as const)))(
      '%s %j on sparse Poisson, k = %d: agrees with the tf-ops loop and the float64 reference',
      (method, extra, k) => {
        const b64 = randomVector(n * k, 7);
        const b = tf.tensor2d(f32(b64), [n, k]);
        // Jacobi converges slowly on Poisson (ρ = cos(π/(m+1))): a looser tolerance and more steps.
        const options: ls.SolveOptions = method === 'jacobi' ?
          {...extra, rtol: 1e-3, maxIterations: 5000} : {...extra, rtol: RTOL};
        const {host, ops} = agree(method, A, b, options, onHost);
        expect(host.status).toBe('converged');
        expect(host.wasm).toBe(onWasm(k));
        const reference = solve64(poisson, b64, k);
        const tolerance = method === 'jacobi' ? kappa * 1e-3 : bound;
        expect(relativeError(host.x, reference)).toBeLessThanOrEqual(tolerance);
        expect(relativeError(ops.x, reference)).toBeLessThanOrEqual(tolerance);
        expect(host.relativeResidual).toBeLessThanOrEqual(options.rtol as number);
        b.dispose();
      });

    it('a sparse matrix on many diagonals (the CSR kernel): cg, bicgstab, gmres agree with the float64 reference', () => {
      // A dense pattern stored sparse: 2n − 1 diagonals, too many for DIA, so the CSR kernel runs.
      const a = spd(30, 41, 2);
      const S = sparseOf(a, ['symmetric', 'positiveDefinite']);
      const b64 = randomVector(a.n, 9);
      const b = tf.tensor1d(f32(b64));
      const reference = solve64(a, b64);
      for (const method of ['cg', 'bicgstab', 'gmres']) {
        const {host} = agree(method, S, b, method === 'gmres' ? {rtol: RTOL, restart: 30} : {rtol: RTOL}, onHost, false);
        expect(host.status).toBe('converged');
        expect(host.wasm).toBe(onWasm(1));
        expect(relativeError(host.x, reference)).toBeLessThanOrEqual(solutionBound(a.n, condition(a), true));
      }
      tf.dispose([b, S.values]);
      S.dispose();
    });

    it('bicgstab and gmres on nonsymmetric convection-diffusion (dense): agree', () => {
      const a = convectionDiffusion(8, 0.8);
      const b64 = randomVector(a.n, 3);
      const M = tf.tensor2d(f32(a.data), [a.n, a.n]);
      const b = tf.tensor1d(f32(b64));
      for (const method of ['bicgstab', 'gmres']) {
        const {host} = agree(method, M, b, method === 'gmres' ? {rtol: RTOL, restart: 10} : {rtol: RTOL}, onHost);
        expect(host.status).toBe('converged');
        expect(host.relativeResidual).toBeLessThanOrEqual(RTOL);
      }
      tf.dispose([M, b]);
    });

    it('CG on an indefinite matrix: breakdown on both, at the same check', () => {
      const d = [3, -1, 2, 1, 4, -2];
      const M = tf.tensor2d(f32(matrix(6, (i, j) => (i === j ? d[i] : 0.1)).data), [6, 6]);
      const b = tf.ones([6]);
      const {host, ops} = agree('cg', M, b, {checkEvery: 1}, onHost);
      expect(host.status).toBe('breakdown');
      expect(host.iterations).toBe(ops.iterations);
      tf.dispose([M, b]);
    });

    it('rtol below float32 reach: stagnated on both', () => {
      const b = tf.tensor1d(f32(randomVector(n, 11)));
      // Where float32 stops improving is set by rounding: the tf-ops loop itself stagnates 40
      // iterations apart on cpu and on wasm here. So compare the floors reached, not the counts;
      // float64 dot products reach a lower one.
      // refine: false, so the float32 solve itself is what stagnates (by default refinement would take over).
      const {host, ops} = agree('cg', A, b, {rtol: 1e-12, refine: false}, onHost, false);
      expect(host.status).toBe('stagnated');
      expect(host.relativeResidual).toBeLessThan(1e-6);
      expect(host.relativeResidual).toBeLessThanOrEqual(2 * ops.relativeResidual);
      b.dispose();
    });

    it('maxIterations, fixedIterations (unchecked, same x) and x0', () => {
      const b64 = randomVector(n, 5);
      const b = tf.tensor1d(f32(b64));
      const capped = agree('cg', A, b, {maxIterations: 7}, onHost);
      expect(capped.host.status).toBe('maxIterations');
      expect(capped.host.iterations).toBe(7);
      const fixed = agree('cg', A, b, {fixedIterations: true, maxIterations: 12}, onHost);
      expect(fixed.host.status).toBe('unchecked');
      expect(fixed.host.iterations).toBe(12);
      expect(Number.isNaN(fixed.host.relativeResidual)).toBe(true);
      // Twelve identical steps in float32: the iterates differ by rounding only.
      expect(relativeError(fixed.host.x, fixed.ops.x)).toBeLessThan(1e-4);
      const reference = solve64(poisson, b64);
      const x0 = tf.tensor1d(Float32Array.from(reference, v => v * (1 + 1e-3)));
      const cold = run(true, 'cg', A, b, {rtol: RTOL});
      const warm = agree('cg', A, b, {rtol: RTOL, x0}, onHost);
      expect(warm.host.status).toBe('converged');
      expect(warm.host.iterations).toBeLessThan(cold.iterations);
      expect(relativeError(warm.host.x, reference)).toBeLessThanOrEqual(bound);
      tf.dispose([b, x0]);
    });

    it('batches [B, n, k] of dense SPD and diagonally dominant systems', () => {
      const B = 3;
      const size = 20;
      const k = 2;
      const mats = Array.from({length: B}, (_, i) => spd(size, 20 + i, 0.5 + i));
      const data = new Float32Array(B * size * size);
      mats.forEach((mat, i) => data.set(mat.data, i * size * size));
      const M = ls.dense(tf.tensor3d(data, [B, size, size]), {tags: ['symmetric', 'positiveDefinite']});
      const b64 = randomVector(B * size * k, 9);
      const b = tf.tensor3d(f32(b64), [B, size, k]);
      for (const [method, options] of [['cg', {}], ['cg', {preconditioner: 'jacobi'}], ['bicgstab', {}], ['gmres', {restart: 8}]] as const) {
        const {host} = agree(method, M, b, {...options, rtol: RTOL}, onHost);
        expect(host.status).toBe('converged');
        mats.forEach((mat, i) => {
          const reference = solve64(mat, b64.subarray(i * size * k, (i + 1) * size * k), k);
          expect(relativeError(host.x.subarray(i * size * k, (i + 1) * size * k), reference)).toBeLessThan(1e-3);
        });
      }
      // Strictly diagonally dominant members for Jacobi iteration.
      const dominant = Array.from({length: B}, (_, i) => nonsymmetric(size, 30 + i, 2 * size));
      const dd = new Float32Array(B * size * size);
      dominant.forEach((mat, i) => dd.set(mat.data, i * size * size));
      const D = tf.tensor3d(dd, [B, size, size]);
      const jacobi = agree('jacobi', D, b, {rtol: RTOL}, onHost);
      expect(jacobi.host.status).toBe('converged');
      tf.dispose([M.parameters()[0], b, D]);
    });

    it('runs off the tape only: implicit gradients use it, the unrolled adjoint does not', () => {
      const b = tf.tensor1d(f32(randomVector(n, 13)));
      const loss = (adjoint: 'implicit' | 'unrolled') => (values: tf.Tensor) =>
        tf.sum(ls.solve(A.withValues(values), b, {method: 'cg', adjoint, rtol: RTOL}));
      const start = hostEngineRuns('cg');
      const implicit = tf.grad(loss('implicit'))(A.values);
      // The forward and the backward solve Aᵀλ = g.
      expect(hostEngineRuns('cg') - start).toBe(onHost ? 2 : 0);
      const mid = hostEngineRuns('cg');
      const previous = useHostEngine(false);
      const reference = tf.grad(loss('implicit'))(A.values);
      useHostEngine(previous);
      const unrolled = tf.grad(loss('unrolled'))(A.values);
      expect(hostEngineRuns('cg')).toBe(mid);
      expect(relativeError(implicit.dataSync(), reference.dataSync())).toBeLessThan(1e-3);
      expect(relativeError(unrolled.dataSync(), reference.dataSync())).toBeLessThan(1e-2);
      tf.dispose([b, implicit, reference, unrolled]);
    });

    it('reads tensor data without a copy on cpu and wasm', () => {
      const t = tf.tensor1d([1, 2, 3]);
      const view = hostData(t);
      expect(Array.from(view)).toEqual([1, 2, 3]);
      // The same memory as the backend's: the backing store on cpu, the module's heap on wasm.
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      const internals = tf.backend() as any;
      if (backend === 'wasm') expect(view.buffer).toBe(internals.wasm.HEAPU8.buffer);
      if (backend === 'cpu') expect(view).toBe(t.dataSync());
      t.dispose();
    });

    it('a matrix-free operator or an operator preconditioner falls back to tf ops', () => {
      const b = tf.tensor1d(f32(randomVector(n, 17)));
      const free = ls.matrixFree({shape: [n, n], matvec: (v: tf.Tensor) => A.matvec(v), tags: ['symmetric', 'positiveDefinite']});
      const viaClosure = run(true, 'cg', free, b, {rtol: RTOL});
      expect(viaClosure.host).toBe(false);
      expect(viaClosure.status).toBe('converged');
      const d = A.diagonal();
      const M = ls.diagonal(tf.div(1, d));
      const viaOperator = run(true, 'cg', A, b, {rtol: RTOL, preconditioner: M});
      expect(viaOperator.host).toBe(false);
      expect(viaOperator.status).toBe('converged');
      tf.dispose([b, d, M.parameters()[0]]);
    });
  });
});
