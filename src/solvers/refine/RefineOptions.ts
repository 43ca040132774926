import {LinearSolveError} from '../../core/LinearSolveError';
import {backendName} from '../../kernels';

/** Where refinement computes b − A x: double-float pairs in float32 tf ops, or float64 on the host. */
export type RefinePrecision = 'double-float' | 'float64';

/**
 * The `refine` option: `true` for the defaults, or
 * `{steps, precision, rtol}`. `'auto'` (the default) refines only an iterative solve that
 * stagnated above its rtol on an operator with explicit entries; `false` never refines.
 */
export type RefineOption = boolean | 'auto' | RefineSettings;

/** Settings of iterative refinement; every field is optional. */
export interface RefineSettings {
  /** Most correction steps (default 10). */
  steps?: number;
  /** 'float64' (default on cpu, wasm, tensorflow: the data is on the host) or 'double-float' (elsewhere). */
  precision?: RefinePrecision;
  /**
   * Stop when the extended-precision pair meets ‖b − A(hi + lo)‖ ≤ rtol·‖b‖ (down to about
   * 1e-12); by default refinement stops once the correction is below float32's resolution of x.
   */
  rtol?: number;
}

/** Refinement settings with defaults filled in. */
export interface ResolvedRefine {
  steps: number;
  precision: RefinePrecision;
  rtol: number | null;
  /** Only on stagnation of an iterative method (`'auto'`), rather than always. */
  automatic: boolean;
}

const KNOWN = ['steps', 'precision', 'rtol'];
const HOST_BACKENDS = ['cpu', 'wasm', 'tensorflow'];

/** The precision a backend gets by default: float64 where its data lives on the host. */
export function defaultPrecision(): RefinePrecision {
  return HOST_BACKENDS.includes(backendName()) ? 'float64' : 'double-float';
}

/** Validates `refine` and fills in defaults; null when refinement is off. */
export function resolveRefine(value: unknown): ResolvedRefine | null {
  if (value === false) return null;
  if (value == null || value === 'auto') return {steps: 10, precision: defaultPrecision(), rtol: null, automatic: true};
  if (value === true) return {steps: 10, precision: defaultPrecision(), rtol: null, automatic: false};
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new LinearSolveError('option',
      `refine must be true, false, 'auto' or {steps, precision, rtol}, got ${describe(value)}.`);
  }
  const settings = value as Record<string, unknown>;
  for (const key of Object.keys(settings)) {
    if (!KNOWN.includes(key)) {
      throw new LinearSolveError('option', `Unknown refine option '${key}'. Known: ${KNOWN.join(', ')}.`);
    }
  }
  const {steps, precision, rtol} = settings;
  if (steps != null && !(typeof steps === 'number' && Number.isInteger(steps) && steps >= 0 && steps <= 100)) {
    throw new LinearSolveError('option', `refine.steps must be an integer from 0 to 100, got ${describe(steps)}.`);
  }
  if (precision != null && precision !== 'double-float' && precision !== 'float64') {
    throw new LinearSolveError('option', `refine.precision must be 'double-float' or 'float64', got ${describe(precision)}.`);
  }
  if (rtol != null && !(typeof rtol === 'number' && Number.isFinite(rtol) && rtol > 0)) {
    throw new LinearSolveError('option', `refine.rtol must be a finite number > 0, got ${describe(rtol)}.`);
  }
  return {steps: (steps as number | undefined) ?? 10, precision: (precision as RefinePrecision | undefined) ?? defaultPrecision(),
    rtol: (rtol as number | undefined) ?? null, automatic: false};
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return `'${value}'`;
  return typeof value === 'object' ? 'an object' : `${typeof value} ${String(value)}`;
}
