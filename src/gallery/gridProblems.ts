/**
 * Seeded train / validation / test sets of grid problems (A, b) from the gallery's families,
 * drawn from disjoint seed ranges for both the coefficients and the right-hand sides, as honest
 * evaluation of learned solvers needs (a checkpoint picked on validation, the test set used once).
 */
import {LinearSolveError} from '../core/LinearSolveError';
import {GridMatrix} from './gridStencil';
import {Diffusion2dOptions, diffusion2d} from './diffusion2d';
import {AnisotropicDiffusion2dOptions, anisotropicDiffusion2d} from './anisotropicDiffusion2d';
import {ConvectionDiffusion2dOptions, convectionDiffusion2d} from './convectionDiffusion2d';
import {gaussianRandomField} from './gaussianRandomField';
import {checkGridSize, checkSeed, mixSeed, normalStream, uniformStream} from './seededRandom';

/** Which part of a data set a problem belongs to. */
export type Split = 'train' | 'validation' | 'test';

/** The gallery's families of grid problems. */
export type GridFamily = 'diffusion' | 'anisotropic' | 'convectionDiffusion';

/** Right-hand sides: iid N(0, 1) per node, a smooth Gaussian field (ℓ = 0.2), one unit point source, or all ones. */
export type RightHandSideKind = 'gaussian' | 'smooth' | 'pointSource' | 'ones';

/** Problems per split at most: split s uses seeds [s·2²⁰, (s + 1)·2²⁰). */
export const SPLIT_SIZE = 2 ** 20;

const SPLITS: readonly Split[] = ['train', 'validation', 'test'];

/** The stream of a seed the right-hand side draws from (the coefficients use stream 0). */
const RHS_STREAM = 1;

/**
 * The seed of problem `index` of a split: train → index, validation → 2²⁰ + index,
 * test → 2·2²⁰ + index. The ranges are disjoint, so no test problem shares a seed (coefficient
 * field or right-hand side) with a training one.
 *
 * ```ts
 * ls.splitSeed('test', 0);   // 2097152
 * ```
 */
export function splitSeed(split: Split, index: number): number {
  const s = SPLITS.indexOf(split);
  if (s < 0) throw new LinearSolveError('option', `splitSeed: split must be 'train', 'validation' or 'test', got ${String(split)}.`);
  if (!Number.isInteger(index) || index < 0 || index >= SPLIT_SIZE) {
    throw new LinearSolveError('option', `splitSeed: index must be an integer in [0, ${SPLIT_SIZE}), got ${String(index)}.`);
  }
  return s * SPLIT_SIZE + index;
}

/**
 * A seeded right-hand side `[m²]` on the m×m grid (drawn from its own stream of `seed`, so the
 * same seed's coefficient field and right-hand side are independent).
 *
 * ```ts
 * const b = ls.gridRightHandSide({m: 64, seed: 3, kind: 'smooth'});   // Float32Array(4096)
 * ```
 */
export function gridRightHandSide({m, seed = 0, kind = 'gaussian'}: {m: number; seed?: number; kind?: RightHandSideKind}): Float32Array {
  checkGridSize(m, 'gridRightHandSide');
  checkSeed(seed, 'gridRightHandSide');
  const n = m * m;
  const stream = mixSeed(seed, RHS_STREAM);
  if (kind === 'gaussian') {
    const next = normalStream(stream);
    return Float32Array.from({length: n}, () => next());
  }
  if (kind === 'smooth') {
    const field = gaussianRandomField(m, 1 / (m + 1), 0.2, stream);
    return Float32Array.from(field);
  }
  if (kind === 'pointSource') {
    const b = new Float32Array(n);
    b[Math.min(n - 1, Math.floor(uniformStream(stream)() * n))] = 1;
    return b;
  }
  if (kind === 'ones') return new Float32Array(n).fill(1);
  throw new LinearSolveError('option',
    `gridRightHandSide: kind must be 'gaussian', 'smooth', 'pointSource' or 'ones', got ${String(kind)}.`);
}

/** Family parameters other than m and seed, per family. */
export type FamilyParameters =
  | Omit<Diffusion2dOptions, 'm' | 'seed'>
  | Omit<AnisotropicDiffusion2dOptions, 'm' | 'seed'>
  | Omit<ConvectionDiffusion2dOptions, 'm' | 'seed'>;

/** What `gridProblems` takes. */
export interface GridProblemsOptions {
  family: GridFamily;
  /** Grid of m×m unknowns. */
  m: number;
  split: Split;
  /** How many problems (default 1). */
  count?: number;
  /** Index of the first problem within the split (default 0): pages through a split. */
  start?: number;
  /** Right-hand side kind (default 'gaussian'). */
  rhs?: RightHandSideKind;
  /** The family's own parameters: sigma, correlationLength (diffusion); epsilon, angle (anisotropic); peclet, angle, scheme (convectionDiffusion). */
  parameters?: FamilyParameters;
}

/** One problem of a set: the matrix, a right-hand side, and where it came from. */
export interface GridProblem {
  A: GridMatrix;
  /** `[m²]` right-hand side. */
  b: Float32Array;
  family: GridFamily;
  split: Split;
  index: number;
  /** The seed of both A (coefficient stream) and b (right-hand-side stream). */
  seed: number;
}

/**
 * `count` seeded problems of a family from one split: problem `index` has seed
 * `splitSeed(split, index)` for its coefficients (the field of 'diffusion', the angle of the
 * others unless fixed in `parameters`) and its right-hand side. The same options give the same
 * problems on every run; the splits never share a seed.
 *
 * ```ts
 * const train = ls.gridProblems({family: 'diffusion', m: 32, split: 'train', count: 100, parameters: {sigma: 1}});
 * const test = ls.gridProblems({family: 'diffusion', m: 64, split: 'test', count: 20, parameters: {sigma: 2}});
 * const {A, b} = train[0];   // A: {indices, values, shape, m, tags}; b: Float32Array
 * ```
 */
export function gridProblems(options: GridProblemsOptions): GridProblem[] {
  const {family, m, split, count = 1, start = 0, rhs = 'gaussian', parameters = {}} = options ?? {} as GridProblemsOptions;
  if (!Number.isInteger(count) || count < 0) throw new LinearSolveError('option', `gridProblems: count must be an integer ≥ 0, got ${String(count)}.`);
  const build = familyBuilder(family);
  const problems: GridProblem[] = [];
  for (let index = start; index < start + count; index++) {
    const seed = splitSeed(split, index);
    problems.push({A: build({...parameters, m, seed}), b: gridRightHandSide({m, seed, kind: rhs}), family, split, index, seed});
  }
  return problems;
}

function familyBuilder(family: GridFamily): (options: {m: number; seed: number}) => GridMatrix {
  if (family === 'diffusion') return diffusion2d;
  if (family === 'anisotropic') return anisotropicDiffusion2d;
  if (family === 'convectionDiffusion') return convectionDiffusion2d;
  throw new LinearSolveError('option',
    `gridProblems: family must be 'diffusion', 'anisotropic' or 'convectionDiffusion', got ${String(family)}.`);
}
