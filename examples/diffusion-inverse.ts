/**
 * Recovering a conductivity field from noisy measurements, by gradient descent through sparse solves.
 *
 * THE FORWARD PROBLEM. Steady diffusion on the unit square with zero boundary values:
 *
 *     −∇·(κ ∇u) = f   in (0, 1)²,      u = 0 on the boundary.
 *
 * We discretise it with cell-centred finite volumes on an M×M grid (h = 1/M): one unknown uᵢ per
 * cell and one conductivity κᵢ per cell (θ lives on cells, not faces: a material property per
 * control volume, and M² parameters instead of 2M(M−1) that could vary face by face). The flux through the face between cells i and j is
 * κᵢⱼ (uᵢ − uⱼ)/h · h, where κᵢⱼ = 2κᵢκⱼ/(κᵢ + κⱼ) is the harmonic mean: two half-cells in series
 * conduct like resistors in series, and this is the choice that keeps the flux continuous across
 * a jump in κ. A boundary face sits h/2 from its cell centre, so its transmissibility is 2κᵢ.
 * Multiplying by h², the balance of each cell is
 *
 *     Σ_faces T_f (uᵢ − u_neighbour) = h² fᵢ          (u_neighbour = 0 across the boundary),
 *
 * i.e. A(κ) u = h² f with the 5-point matrix A: diagonal Σ_f T_f, off-diagonals −T_f. A is
 * symmetric positive definite (a weighted graph Laplacian plus positive boundary terms), so we
 * solve it with conjugate gradients and a Jacobi preconditioner.
 *
 * THE INVERSE PROBLEM. κ_true (a background with one conducting and one insulating inclusion) is
 * unknown. We observe u at every cell centre for K different source terms f₁…f_K (K experiments,
 * solved together as one [n, K] right-hand side), with 1% Gaussian noise. We fit κ = exp(θ) —
 * the exponential keeps κ positive whatever the optimiser does, so A stays SPD — by minimising
 *
 *     L(θ) = χ²(θ) + β Σ_neighbours (θᵢ − θⱼ)²,    χ² = mean(((u(θ) − u_obs)/σ)²),
 *
 * with Adam. χ² is normalised by the noise level σ, so χ² ≈ 1 means "fits the data as well as
 * the noise allows"; the Tikhonov term (≈ ∫|∇θ|²) fills in where the data say little.
 *
 * HOW THE GRADIENT GETS TO θ. A's sparsity pattern is fixed and built once in JavaScript; its
 * values are a tensor computed from θ with differentiable ops (exp, harmonic means, slices,
 * concat). `ls.solve` differentiates implicitly: for x = A⁻¹b its backward solves one adjoint
 * system Aᵀλ = ∂L/∂x (CG again, with the same preconditioner) and hands back
 *
 *     ∂L/∂values[e] = −λ[row e] · x[col e]      (only on the pattern, never an n×n matrix),
 *
 * from which tfjs's own autodiff carries the gradient through the harmonic means and exp to θ.
 * No CG iteration is recorded on the tape, so memory does not grow with the iteration count.
 *
 * Run: `npm start` (tfjs-node), or `BACKEND=cpu npx ts-node --transpile-only examples/diffusion-inverse.ts`.
 */
import * as tf from '@tensorflow/tfjs';
import * as ls from '../src';

/** Cells per side: n = M² unknowns. 32 runs in a few seconds on tfjs-node with 2 cores. */
const M = 32;
/**
 * Centres of the Gaussian sources, one experiment each, solved together as the columns of one
 * right-hand side. Several sources because one alone leaves κ blind where ∇u ≈ 0 (under its peak).
 */
const SOURCES: ReadonlyArray<[number, number]> = [[0.25, 0.25], [0.75, 0.25], [0.25, 0.75], [0.75, 0.75], [0.5, 0.5]];
/** Width of each Gaussian source. */
const SOURCE_WIDTH = 0.12;
/** Noise standard deviation, relative to the largest |u| of each experiment. */
const NOISE_LEVEL = 0.01;
/**
 * Weight β of the smoothness penalty Σ(θᵢ − θⱼ)². Chosen so that the final χ² is ≈ 1 (Morozov's
 * discrepancy principle: fit the data down to the noise, not into it). Smaller β drives χ² below 1
 * and the error of κ up again, as the fit starts to follow the noise.
 */
const SMOOTHNESS = 2e-2;
const EPOCHS = 80;
const LEARNING_RATE = 0.1;
const SEED = 7;
/**
 * SPD matrix → CG with a Jacobi preconditioner (diag(A) follows κ, which varies ~13× here). We
 * name both rather than use 'auto', which picks by size (dense Cholesky for small n) and adds no
 * preconditioner. rtol 1e-4: far below the 1% noise, and above what float32 can reach. The true
 * residual bottoms out near ε·cond(A) ≈ 6e-8 · 1.4e3 (about 1e-5 in practice); with rtol 1e-5
 * one forward solve stalled at 1.1e-5 and ran to the 10·n iteration cap.
 */
const SOLVE_OPTIONS: ls.SolveOptions = {method: 'cg', preconditioner: 'jacobi', rtol: 1e-4};
const SPD: ls.OperatorTag[] = ['symmetric', 'positiveDefinite'];

/** tfjs-node by default; BACKEND=cpu (or any registered backend) to override. */
async function chooseBackend(): Promise<string> {
  let wanted = process.env.BACKEND ?? 'tensorflow';
  if (wanted === 'tensorflow') {
    try {
      await import('@tensorflow/tfjs-node');
    } catch (error) {
      const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
      console.log(`note: @tensorflow/tfjs-node could not load (${reason});`);
      console.log('      falling back to the cpu backend (~15× slower here). `npm run setup` builds the native addon.');
      wanted = 'cpu';
    }
  }
  if (!(await tf.setBackend(wanted))) throw new Error(`backend '${wanted}' is not available`);
  await tf.ready();
  return tf.getBackend();
}

/** Cell (row r = y index, column c = x index) → unknown index. */
function cell(r: number, c: number): number {
  return r * M + c;
}

/** A field g(x, y) sampled at the cell centres, as an [M, M] tensor (row = y). */
function sampleField(g: (x: number, y: number) => number): tf.Tensor2D {
  const data = new Float32Array(M * M);
  for (let r = 0; r < M; r++) {
    for (let c = 0; c < M; c++) data[cell(r, c)] = g((c + 0.5) / M, (r + 0.5) / M);
  }
  return tf.tensor2d(data, [M, M]);
}

function gaussian(x: number, y: number, cx: number, cy: number, width: number): number {
  return Math.exp(-((x - cx) ** 2 + (y - cy) ** 2) / (2 * width * width));
}

/** The field to recover: background 1, a conductor (κ up to 4) and an insulator (κ down to 0.3). */
function trueConductivity(): tf.Tensor2D {
  return sampleField((x, y) =>
    1 + 3 * gaussian(x, y, 0.35, 0.62, 0.1) - 0.7 * gaussian(x, y, 0.68, 0.3, 0.09));
}

/** Right-hand sides h²·f_k, one column per experiment: [n, K]. */
function rightHandSides(): tf.Tensor2D {
  return tf.tidy(() => {
    const columns = SOURCES.map(([cx, cy]) =>
      tf.reshape(sampleField((x, y) => gaussian(x, y, cx, cy, SOURCE_WIDTH)), [M * M]));
    return tf.mul(tf.stack(columns, 1), 1 / (M * M)) as tf.Tensor2D;
  });
}

/**
 * The fixed 5-point pattern, in the order `stencilValues` produces values: the n diagonal
 * entries, then each interior x-face (i, i+1) and its mirror (i+1, i), then each interior
 * y-face (i, i+M) and its mirror. Computed once; only the values change during training.
 */
function stencilPattern(): number[][] {
  const diagonal: number[][] = [];
  const east: number[][] = [];
  const north: number[][] = [];
  for (let r = 0; r < M; r++) {
    for (let c = 0; c < M; c++) diagonal.push([cell(r, c), cell(r, c)]);
  }
  for (let r = 0; r < M; r++) {
    for (let c = 0; c < M - 1; c++) east.push([cell(r, c), cell(r, c + 1)]);
  }
  for (let r = 0; r < M - 1; r++) {
    for (let c = 0; c < M; c++) north.push([cell(r, c), cell(r + 1, c)]);
  }
  const mirror = (pairs: number[][]) => pairs.map(([i, j]) => [j, i]);
  return [...diagonal, ...east, ...mirror(east), ...north, ...mirror(north)];
}

function harmonicMean(a: tf.Tensor, b: tf.Tensor): tf.Tensor {
  return tf.div(tf.mul(2, tf.mul(a, b)), tf.add(a, b));
}

/**
 * Face transmissibilities of κ [M, M]: tx [M, M+1] on the faces normal to x (column c is the
 * west face of cell column c), ty [M+1, M] on the faces normal to y. The first and last of each
 * are boundary faces, 2κ of the cell beside them (half a cell to the u = 0 boundary).
 */
function transmissibilities(kappa: tf.Tensor2D): {tx: tf.Tensor2D; ty: tf.Tensor2D} {
  const along = (axis: 0 | 1): tf.Tensor2D => {
    const size = (start: number, length: number) => (axis === 1 ? [[0, start], [M, length]] : [[start, 0], [length, M]]);
    const slice = (start: number, length: number) => {
      const [begin, extent] = size(start, length);
      return tf.slice(kappa, begin, extent);
    };
    const interior = harmonicMean(slice(0, M - 1), slice(1, M - 1));
    const boundaryLow = tf.mul(2, slice(0, 1));
    const boundaryHigh = tf.mul(2, slice(M - 1, 1));
    return tf.concat([boundaryLow, interior, boundaryHigh], axis) as tf.Tensor2D;
  };
  return {tx: along(1), ty: along(0)};
}

/**
 * The values of A(κ) on `stencilPattern()`, built only from slices and concat so that on
 * tfjs-node nothing is gathered (its `gather` reads every index back to JavaScript).
 */
function stencilValues(kappa: tf.Tensor2D): tf.Tensor1D {
  const {tx, ty} = transmissibilities(kappa);
  const west = tf.slice(tx, [0, 0], [M, M]);
  const eastFaces = tf.slice(tx, [0, 1], [M, M]);
  const south = tf.slice(ty, [0, 0], [M, M]);
  const northFaces = tf.slice(ty, [1, 0], [M, M]);
  const diagonal = tf.addN([west, eastFaces, south, northFaces]);
  const interiorX = tf.neg(tf.reshape(tf.slice(tx, [0, 1], [M, M - 1]), [-1]));
  const interiorY = tf.neg(tf.reshape(tf.slice(ty, [1, 0], [M - 1, M]), [-1]));
  return tf.concat([tf.reshape(diagonal, [-1]), interiorX, interiorX, interiorY, interiorY]) as tf.Tensor1D;
}

/**
 * A(κ) on the fixed pattern. `ls.sparse` lays the indices out for the backend (on tfjs-node:
 * int64 indices for TensorFlow's sparse kernel) and keeps those index tensors past any tidy, since
 * the backward pass needs them; the caller disposes the operator once the gradient is done. The
 * values stay the caller's (here: freed by the tidy they were made in).
 */
function diffusionOperator(indices: number[][], kappa: tf.Tensor2D): ls.SparseOperator {
  return ls.sparse({indices, values: stencilValues(kappa), shape: [M * M, M * M], tags: SPD});
}

/** Noisy observations u(κ_true) + ε, ε ~ N(0, σ_k²) with σ_k = NOISE_LEVEL·max|u_k| per experiment. */
function observe(indices: number[][], kappaTrue: tf.Tensor2D, rhs: tf.Tensor2D): {observed: tf.Tensor2D; sigma: tf.Tensor} {
  return tf.tidy(() => {
    const aTrue = diffusionOperator(indices, kappaTrue);
    const clean = ls.solve(aTrue, rhs, SOLVE_OPTIONS);
    aTrue.dispose();
    const sigma = tf.mul(tf.max(tf.abs(clean), 0, true), NOISE_LEVEL);
    const noise = tf.mul(tf.randomNormal(clean.shape, 0, 1, 'float32', SEED), sigma);
    return {observed: tf.add(clean, noise) as tf.Tensor2D, sigma};
  });
}

/** χ²: mean squared misfit in units of the noise standard deviation. */
function chiSquared(u: tf.Tensor, observed: tf.Tensor, sigma: tf.Tensor): tf.Scalar {
  return tf.mean(tf.square(tf.div(tf.sub(u, observed), sigma)));
}

/** Σ (θᵢ − θⱼ)² over neighbouring cells: a discrete ∫|∇θ|². */
function roughness(theta: tf.Tensor2D): tf.Scalar {
  const dx = tf.sub(tf.slice(theta, [0, 1], [M, M - 1]), tf.slice(theta, [0, 0], [M, M - 1]));
  const dy = tf.sub(tf.slice(theta, [1, 0], [M - 1, M]), tf.slice(theta, [0, 0], [M - 1, M]));
  return tf.add(tf.sum(tf.square(dx)), tf.sum(tf.square(dy)));
}

/** ‖exp(θ) − κ_true‖ / ‖κ_true‖. */
function relativeError(theta: tf.Tensor2D, kappaTrue: tf.Tensor2D): number {
  return tf.tidy(() =>
    tf.div(tf.norm(tf.sub(tf.exp(theta), kappaTrue)), tf.norm(kappaTrue)).dataSync()[0]);
}

interface Problem {
  /** The fixed 5-point pattern, as (row, column) pairs. */
  indices: number[][];
  rhs: tf.Tensor2D;
  observed: tf.Tensor2D;
  sigma: tf.Tensor;
  kappaTrue: tf.Tensor2D;
}

interface EpochReport {
  loss: number;
  misfit: number;
  error: number;
  iterations: number;
  ms: number;
  tensors: number;
}

/**
 * One Adam step. `minimize` runs the loss inside a tidy and frees the gradients; what outlives
 * it (the operator's pattern, χ² for the report, u for the next warm start) is disposed or handed
 * on here.
 *
 * The forward solve starts from the previous epoch's u: θ moves a little per step, so CG starts
 * close and needs about half the iterations by the end. (`ls.linearSolve` is `ls.solve` plus the
 * diagnostics; the iterations reported are the forward solve's. The backward's adjoint solve
 * Aλ = ∂L/∂u is not reported and starts from zero.)
 */
function trainStep(problem: Problem, theta: tf.Variable<tf.Rank.R2>, optimizer: tf.Optimizer,
    guess: {u: tf.Tensor | null}): EpochReport {
  const start = performance.now();
  const kept: {A?: ls.SparseOperator; misfit?: tf.Scalar; u?: tf.Tensor; iterations: number} = {iterations: 0};
  const cost = optimizer.minimize(() => {
    const A = kept.A = diffusionOperator(problem.indices, tf.exp(theta) as tf.Tensor2D);
    const solved = ls.linearSolve(A, problem.rhs, {...SOLVE_OPTIONS, x0: guess.u ?? undefined});
    kept.iterations = solved.iterations;
    kept.u = tf.keep(tf.clone(solved.x));
    kept.misfit = tf.keep(chiSquared(solved.x, problem.observed, problem.sigma));
    return tf.add(kept.misfit, tf.mul(SMOOTHNESS, roughness(theta))) as tf.Scalar;
  }, true, [theta]) as tf.Scalar;
  const loss = cost.dataSync()[0];
  const misfit = (kept.misfit as tf.Scalar).dataSync()[0];
  tf.dispose([cost, kept.misfit as tf.Scalar]);
  kept.A?.dispose();
  guess.u?.dispose();
  guess.u = kept.u ?? null;
  const error = relativeError(theta, problem.kappaTrue);
  return {loss, misfit, error, iterations: kept.iterations, ms: performance.now() - start,
    tensors: tf.memory().numTensors};
}

/** A coarse character picture of a field, for eyeballing the reconstruction. */
function asciiField(field: tf.Tensor2D, lo: number, hi: number, stride: number): string[] {
  const ramp = ' .:-=+*#%@';
  const data = field.arraySync();
  const lines: string[] = [];
  for (let r = M - 1; r >= 0; r -= stride) {
    let line = '';
    for (let c = 0; c < M; c += stride) {
      const t = Math.min(1, Math.max(0, (data[r][c] - lo) / (hi - lo)));
      line += ramp[Math.round(t * (ramp.length - 1))].repeat(2);
    }
    lines.push(line);
  }
  return lines;
}

function printFields(kappaTrue: tf.Tensor2D, theta: tf.Variable<tf.Rank.R2>): void {
  const recovered = tf.exp(theta) as tf.Tensor2D;
  const truth = asciiField(kappaTrue, 0.3, 4, 2);
  const guess = asciiField(recovered, 0.3, 4, 2);
  recovered.dispose();
  const width = truth[0].length;
  console.log(`\n${'κ true'.padEnd(width)}   κ recovered      (' ' = 0.3 … '@' = 4)`);
  truth.forEach((line, i) => console.log(`${line}   ${guess[i]}`));
}

async function main(): Promise<void> {
  const backend = await chooseBackend();
  const indices = stencilPattern();
  const kappaTrue = trueConductivity();
  const rhs = rightHandSides();
  const {observed, sigma} = observe(indices, kappaTrue, rhs);
  const problem: Problem = {indices, rhs, observed, sigma, kappaTrue};
  // Start from the uniform background κ = 1 (θ = 0): the "we know nothing" guess.
  const theta = tf.variable(tf.zeros([M, M]), true, 'theta') as tf.Variable<tf.Rank.R2>;
  const optimizer = tf.train.adam(LEARNING_RATE);
  const guess: {u: tf.Tensor | null} = {u: null};

  console.log(`backend ${backend}; ${M}×${M} grid (n = ${M * M}, nnz = ${indices.length}), ` +
    `${SOURCES.length} experiments, ${NOISE_LEVEL * 100}% noise; CG + Jacobi, implicit adjoint`);
  const initialError = relativeError(theta, kappaTrue);
  const tensorsAtStart = tf.memory().numTensors;
  console.log(`tensors at start: ${tensorsAtStart}; initial relative error of κ: ${(100 * initialError).toFixed(1)}%`);
  console.log('epoch      loss     misfit χ²   κ rel.err   CG its   ms/epoch   tensors');
  const started = performance.now();
  let last: EpochReport | null = null;
  for (let epoch = 1; epoch <= EPOCHS; epoch++) {
    last = trainStep(problem, theta, optimizer, guess);
    console.log(`${String(epoch).padStart(5)}  ${last.loss.toExponential(3).padStart(10)}  ` +
      `${last.misfit.toExponential(3).padStart(10)}  ${(100 * last.error).toFixed(2).padStart(9)}%  ` +
      `${String(last.iterations).padStart(7)}  ${last.ms.toFixed(1).padStart(9)}  ${String(last.tensors).padStart(8)}`);
  }
  const seconds = (performance.now() - started) / 1000;

  printFields(kappaTrue, theta);
  guess.u?.dispose();
  // Adam holds two moment tensors for θ from its first step on; everything else is back to the start.
  console.log(`\ntensors at start: ${tensorsAtStart}, at end: ${tf.memory().numTensors} ` +
    '(Adam\'s two moment estimates of θ are +2; anything more would be a leak)');
  console.log(`training: ${EPOCHS} epochs in ${seconds.toFixed(1)} s on '${backend}'`);
  console.log(`relative error of κ: initial ${(100 * initialError).toFixed(1)}% → final ` +
    `${(100 * (last as EpochReport).error).toFixed(1)}% (data misfit χ² = ${(last as EpochReport).misfit.toFixed(2)}, ` +
    'noise level is χ² ≈ 1)');
  optimizer.dispose();
  tf.dispose([theta, kappaTrue, rhs, observed, sigma]);
}

main().catch(error => {
  console.error(error);
  process.exit(1);
});
