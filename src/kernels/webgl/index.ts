/**
 * The webgl backend's kernels: custom programs through the backend's `compileAndRun`, each
 * falling back to its tf-ops kernel when `useWebglEngine(false)` or when `tf.backend()` offers
 * no program runner. See bench/webgl-engine.ts (bench/results/webgl-engine.md) for what each
 * gains over tf ops in headless Chromium.
 */
import * as tf from '@tensorflow/tfjs-core';
import {Kernels} from '../Kernels';
import {FusedKrylov} from '../FusedKrylov';
import {tfOpsKernels} from '../tfops';
import {ellProgramProduct} from './ellProgram';
import {cgStepPrograms, fusedColumnDot} from './cgStepPrograms';
import {bicgstabResidualPrograms, bicgstabStartPrograms, bicgstabStepPrograms} from './bicgstabStepPrograms';
import {programRunner} from './webglEngine';
import {prepareProduct} from './preparedProduct';
import {hybridLU} from './hybridLU';
import {hybridCholesky} from './hybridCholesky';
import {blockedTriangularSolve} from './blockedTriangularSolve';
import {readsAsynchronously} from '../../core/readbacks';

const fusedKrylov: FusedKrylov = {
  available: () => programRunner() != null,
  columnDot: (u, v, w = null) => fusedColumnDot(u, v, w),
  prepareSparse: prepareProduct,
  cgStep: cgStepPrograms,
  bicgstabStart: bicgstabStartPrograms,
  bicgstabStep: bicgstabStepPrograms,
  bicgstabResidual: bicgstabResidualPrograms,
};

export const webglKernels: Partial<Kernels> = {
  sparseProduct: (pattern, values, x, transposed) => programRunner() != null ?
    ellProgramProduct(pattern, values, x, transposed) : tfOpsKernels.sparseProduct(pattern, values, x, transposed),
  fusedKrylov,
  luFactor: a => (useHybrid(a) ? hybridLU(a) : tfOpsKernels.luFactor(a)),
  choleskyFactor: a => (useHybrid(a) ? hybridCholesky(a) : tfOpsKernels.choleskyFactor(a)),
  triangularSolve: (t, rhs, triangle) =>
    (useHybrid(t) && rhs.dtype === 'float32' ? blockedTriangularSolve(t, rhs, triangle) : tfOpsKernels.triangularSolve(t, rhs, triangle)),
};

/**
 * Whether the hybrid host/device factorisations serve `a` `[B, n, n]`. Measured by
 * bench/webgl-engine.ts in headless Chromium (SwiftShader, 2 cores at load ~5;
 * bench/results/webgl-engine.md), `linearSolve` with method 'lu' + readback, warm: n = 256
 * hybrid 154–256 ms against 6.7 s for the per-column tf-ops path, n = 500 hybrid 0.53–0.60 s;
 * batched B = 1024, n = 16: hybrid 267–359 ms against 1.6–2.1 s per-column; B = 64, n = 64:
 * 263–336 ms against 2.3–3.3 s (an earlier run at load ~30: n = 100 hybrid 138–181 ms against
 * 23 s cold). The per-column path did not win for any size measured, so
 * every float32 matrix takes the hybrid one — except inside an asynchronous solve: the hybrid
 * path reads its panels back synchronously, which would block the page (and breaks WebGPU-style
 * read-once contracts), so `solveAsync` factors with the tf-ops kernels.
 */
function useHybrid(a: tf.Tensor): boolean {
  return programRunner() != null && a.dtype === 'float32' && !readsAsynchronously();
}
