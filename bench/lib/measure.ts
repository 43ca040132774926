/**
 * Timing with a budget, readback counting and the small formatting helpers every part of the
 * bench shares.
 *
 * A case is a function that does one complete run (solve, read the answer back, free what it
 * made). `measure` decides from an estimate whether it fits the budget, warms it up, then times
 * as many runs as fit (the median is the number reported).
 */
import * as tf from '@tensorflow/tfjs';

/** Milliseconds from a monotonic clock. */
export function now(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

// ---------------------------------------------------------------------------------------------
// Readbacks

const READ_METHODS = ['dataSync', 'data', 'arraySync', 'array'] as const;
type ReadMethod = typeof READ_METHODS[number];
let counting = false;
let depth = 0;
let count = 0;
let installed = false;

/**
 * Wraps `tf.Tensor.prototype.{dataSync, data, arraySync, array}` once, so that `countReadbacks`
 * can count the calls a solve makes. Nested calls (arraySync calls dataSync) count once.
 */
function installReadbackCounter(): void {
  if (installed) return;
  installed = true;
  const proto = tf.Tensor.prototype as unknown as Record<ReadMethod, (...args: unknown[]) => unknown>;
  for (const name of READ_METHODS) {
    const original = proto[name];
    proto[name] = function wrapped(this: unknown, ...args: unknown[]) {
      if (counting && depth === 0) count++;
      depth++;
      try {
        return original.apply(this, args);
      } finally {
        depth--;
      }
    };
  }
}

/** Runs `fn` and counts the tensor readbacks (dataSync, data, arraySync, array) it makes. */
export function countReadbacks<T>(fn: () => T): {value: T; readbacks: number} {
  installReadbackCounter();
  if (counting) return {value: fn(), readbacks: NaN};   // not nestable
  counting = true;
  count = 0;
  depth = 0;
  try {
    const value = fn();
    return {value, readbacks: count};
  } finally {
    counting = false;
  }
}

// ---------------------------------------------------------------------------------------------
// Budgeted measurement

/** What a run reports besides its time (solver status, iterations, readbacks, …). */
export type RunInfo = object;

export interface Estimate {
  /** Expected wall time of one run, ms. */
  ms: number;
  /** How it was estimated, for the notes ("calibrated 10 iterations", "n=200 × (500/200)^2.4"). */
  how: string;
}

export interface Budget {
  /** A case whose one run is expected to take longer is skipped. */
  oneRunMs: number;
  /** At most this many timed runs after the warm-up. */
  maxRuns: number;
  /** Stop adding runs once at least 3 ran and this much time went into them. */
  enoughMs: number;
}

export interface Timed<I extends RunInfo> {
  skipped: false;
  info: I;
  medianMs: number;
  runsMs: number[];
  warmupMs: number;
  /** True when the only number is the warm-up itself (it ran over the budget). */
  coldOnly: boolean;
  tensorsLeakedPerRun: number;
  estimate?: Estimate;
  notes: string[];
}

export interface Skipped {
  skipped: true;
  reason: string;
  estimate?: Estimate;
  notes: string[];
}

export type Measured<I extends RunInfo> = Timed<I> | Skipped;

const seconds = (ms: number) => (ms / 1000).toFixed(ms < 10_000 ? 1 : 0);

/** A skip for a case whose one run is estimated over the budget. */
export function overBudget(estimate: Estimate, budget: Budget): Skipped {
  return {skipped: true, estimate, notes: [],
    reason: `skipped: over budget, ${seconds(estimate.ms)} s for one run (estimated: ${estimate.how}; ` +
      `budget ${seconds(budget.oneRunMs)} s)`};
}

/**
 * Times `run` (which must free everything it makes): skipped when `estimate` is over the
 * budget; otherwise one warm-up run, then up to `budget.maxRuns` timed runs while they fit in
 * the budget (at least one). When the warm-up itself runs over the budget it is the only
 * number, flagged `coldOnly`.
 */
export function measure<I extends RunInfo>(run: () => I, budget: Budget, estimate?: Estimate): Measured<I> {
  if (estimate != null && estimate.ms > budget.oneRunMs) return overBudget(estimate, budget);
  const notes: string[] = [];
  let t0 = now();
  let info = run();
  const warmupMs = now() - t0;
  const afterWarmup = tf.memory().numTensors;
  if (warmupMs > budget.oneRunMs) {
    notes.push(`one cold run only: it took ${seconds(warmupMs)} s, over the ${seconds(budget.oneRunMs)} s budget` +
      (estimate != null ? ` (estimated ${seconds(estimate.ms)} s: ${estimate.how})` : ''));
    return {skipped: false, info, medianMs: warmupMs, runsMs: [warmupMs], warmupMs, coldOnly: true,
      tensorsLeakedPerRun: 0, estimate, notes};
  }
  const runsMs: number[] = [];
  let spent = 0;
  while (runsMs.length < budget.maxRuns) {
    t0 = now();
    info = run();
    const ms = now() - t0;
    runsMs.push(ms);
    spent += ms;
    if (runsMs.length >= 3 && spent >= budget.enoughMs) break;
    if (spent + ms > budget.oneRunMs) break;
  }
  const leaked = (tf.memory().numTensors - afterWarmup) / runsMs.length;
  if (leaked !== 0) notes.push(`LEAK: ${leaked} tensors per run`);
  return {skipped: false, info, medianMs: median(runsMs), runsMs, warmupMs, coldOnly: false,
    tensorsLeakedPerRun: leaked, estimate, notes};
}

/**
 * Times several cases whose times will be compared with each other (a forward and its forward
 * + backward) in alternation — A, B, A, B, … — so that both see the same load on a shared
 * machine. Each case is skipped on its own estimate and warmed up on its own; then rounds run
 * while they fit the cases' budgets together (at least one, at most `budget.maxRuns`). A case
 * whose warm-up ran over the budget keeps that one cold number and leaves the rounds.
 */
export function measureInterleaved<I extends RunInfo>(cases: {run: () => I; estimate?: Estimate}[],
    budget: Budget): Measured<I>[] {
  const out: Measured<I>[] = [];
  const live: {index: number; run: () => I; info: I; warmupMs: number; afterWarmup: number; runsMs: number[];
    estimate?: Estimate}[] = [];
  for (const [index, c] of cases.entries()) {
    if (c.estimate != null && c.estimate.ms > budget.oneRunMs) {
      out[index] = overBudget(c.estimate, budget);
      continue;
    }
    const t0 = now();
    const info = c.run();
    const warmupMs = now() - t0;
    if (warmupMs > budget.oneRunMs) {
      out[index] = {skipped: false, info, medianMs: warmupMs, runsMs: [warmupMs], warmupMs, coldOnly: true,
        tensorsLeakedPerRun: 0, estimate: c.estimate, notes: [`one cold run only: it took ${seconds(warmupMs)} s, ` +
          `over the ${seconds(budget.oneRunMs)} s budget` +
          (c.estimate != null ? ` (estimated ${seconds(c.estimate.ms)} s: ${c.estimate.how})` : '')]};
      continue;
    }
    live.push({index, run: c.run, info, warmupMs, afterWarmup: 0, runsMs: [], estimate: c.estimate});
  }
  if (live.length > 0) {
    const afterWarmup = tf.memory().numTensors;
    const allowance = budget.oneRunMs * live.length;
    let spent = 0;
    for (let round = 0; round < budget.maxRuns; round++) {
      let roundMs = 0;
      for (const c of live) {
        const t0 = now();
        c.info = c.run();
        const ms = now() - t0;
        c.runsMs.push(ms);
        roundMs += ms;
      }
      spent += roundMs;
      if (round + 1 >= 3 && spent >= budget.enoughMs * live.length) break;
      if (spent + roundMs > allowance) break;
    }
    const leaked = (tf.memory().numTensors - afterWarmup) / live[0].runsMs.length;
    for (const c of live) {
      const notes = leaked !== 0 ? [`LEAK: ${leaked} tensors per round of ${live.length} interleaved cases`] : [];
      out[c.index] = {skipped: false, info: c.info, medianMs: median(c.runsMs), runsMs: c.runsMs, warmupMs: c.warmupMs,
        coldOnly: false, tensorsLeakedPerRun: leaked / live.length, estimate: c.estimate, notes};
    }
  }
  return out;
}

/**
 * Estimates a run at size `n` from earlier runs at smaller sizes: t ∝ n^p with p fitted to the
 * last two points (clamped to [1, 3]), or p = `defaultPower` from one point.
 */
export function extrapolate(points: {n: number; ms: number}[], n: number, defaultPower = 3): Estimate | undefined {
  const known = [...points].filter(p => p.n < n && Number.isFinite(p.ms)).sort((a, b) => a.n - b.n);
  if (known.length === 0) return undefined;
  const last = known[known.length - 1];
  let power = defaultPower;
  let fitted = false;
  if (known.length >= 2) {
    const prev = known[known.length - 2];
    power = Math.min(3, Math.max(1, Math.log(last.ms / prev.ms) / Math.log(last.n / prev.n)));
    fitted = true;
  }
  return {ms: last.ms * (n / last.n) ** power,
    how: `${fmtMs(last.ms)} at n=${last.n} × (${n}/${last.n})^${power.toFixed(1)}${fitted ? '' : ' (assumed)'}`};
}

// ---------------------------------------------------------------------------------------------
// Formatting

export function fmtMs(ms: number | undefined | null): string {
  if (ms == null || !Number.isFinite(ms)) return '–';
  if (ms >= 10_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms >= 1000) return `${(ms / 1000).toFixed(2)} s`;
  if (ms >= 100) return `${ms.toFixed(0)} ms`;
  if (ms >= 10) return `${ms.toFixed(1)} ms`;
  if (ms >= 1) return `${ms.toFixed(2)} ms`;
  return `${(ms * 1000).toFixed(0)} µs`;
}

export function fmtRatio(r: number | undefined | null): string {
  if (r == null || !Number.isFinite(r)) return '–';
  if (r >= 100) return `${r.toFixed(0)}×`;
  if (r >= 10) return `${r.toFixed(1)}×`;
  return `${r.toFixed(2)}×`;
}

export function fmtExp(x: number | undefined | null, digits = 1): string {
  return x == null || !Number.isFinite(x) ? '–' : x.toExponential(digits);
}

export function fmtBytes(bytes: number | undefined | null): string {
  if (bytes == null || !Number.isFinite(bytes)) return '–';
  if (bytes >= 2 ** 30) return `${(bytes / 2 ** 30).toFixed(2)} GiB`;
  if (bytes >= 2 ** 20) return `${(bytes / 2 ** 20).toFixed(1)} MiB`;
  if (bytes >= 2 ** 10) return `${(bytes / 2 ** 10).toFixed(0)} KiB`;
  return `${bytes} B`;
}
