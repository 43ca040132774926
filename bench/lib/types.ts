/** The records the bench produces, shared by the cases, the peers and the report. */
import {Estimate} from './measure';
import {Mode} from '../peers/python';

export type Phase = 'forward' | 'forward+backward';

export interface Config {
  quick: boolean;
  backends: string[];
  budget: {oneRunMs: number; maxRuns: number; enoughMs: number};
  denseSizes: number[];
  poissonGrids: number[];
  cgModes: Mode[];
  /** The fixed iteration count of the per-iteration comparison and of the adjoint cases. */
  fixedIterations: number;
  /** The grid of the implicit-vs-unrolled comparison. */
  adjointGrid: number;
  peers: boolean;
  profile: boolean;
  outDir: string;
  outName: string;
}

export function modeKey(mode: Mode): string {
  return mode.kind === 'fixed' ? `fixed${mode.iterations}` : `rtol${mode.rtol.toExponential(0)}`;
}

export function modeLabel(mode: Mode): string {
  return mode.kind === 'fixed' ? `fixed ${mode.iterations} iterations` : `rtol ${mode.rtol.toExponential(0)}`;
}

export const denseKey = (method: string, n: number, phase: Phase) => `dense:${method}:${n}:${phase}`;
export const cgKey = (m: number, mode: Mode, phase: Phase) => `cg:${m}:${modeKey(mode)}:${phase}`;

/** One of tfjs-linsolve's cases on one backend. */
export interface OurResult {
  family: 'dense' | 'cg';
  key: string;
  backend: string;
  method: string;
  phase: Phase;
  n: number;
  m?: number;
  mode?: Mode;
  skipped: boolean;
  reason?: string;
  medianMs?: number;
  runsMs?: number[];
  warmupMs?: number;
  coldOnly?: boolean;
  /** Tensor readbacks (dataSync/data/arraySync/array) inside one solve (or solve + gradient). */
  readbacks?: number;
  status?: string;
  iterations?: number;
  /** Library-reported ‖b − Ax‖/‖b‖ (max over right-hand sides). */
  relativeResidual?: number;
  /** ‖b − Ax‖/‖b‖ of the returned x, recomputed in float64 by the bench (CG forward). */
  trueRelativeResidual?: number;
  backwardStatus?: string;
  backwardIterations?: number;
  backwardRelativeResidual?: number;
  msPerIteration?: number;
  maxIterations?: number;
  tensorsLeakedPerRun?: number;
  estimate?: Estimate;
  notes: string[];
}

/** A peer's number for a case key. */
export interface PeerResult {
  /** Short name: 'torch', 'MatrixSolve', 'ml-matrix', 'SciPy', 'JS CSR f32', 'JS CSR f64'. */
  peer: string;
  /** What exactly ran. */
  what: string;
  key: string;
  skipped: boolean;
  reason?: string;
  medianMs?: number;
  runsMs?: number[];
  coldOnly?: boolean;
  iterations?: number;
  msPerIteration?: number;
  stop?: string;
  trueRelativeResidual?: number;
  /**
   * Python peers: the median of each session and variant ('2 threads', '1 thread' for torch);
   * the lowest is reported, and `variant` says which.
   */
  variantsMs?: Record<string, number[]>;
  variant?: string;
}

/** Implicit vs unrolled gradients of one CG solve with a fixed iteration count. */
export interface AdjointResult {
  backend: string;
  m: number;
  n: number;
  iterations: number;
  forwardMs?: number;
  implicitMs?: number;
  unrolledMs?: number;
  /** (forward + backward) − forward. */
  implicitBackwardMs?: number;
  unrolledBackwardMs?: number;
  /** Peak tensor bytes above those alive before, from tf.profile (forward + backward). */
  implicitPeakBytes?: number;
  unrolledPeakBytes?: number;
  implicitReadbacks?: number;
  unrolledReadbacks?: number;
  notes: string[];
}
