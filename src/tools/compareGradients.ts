import * as tf from '@tensorflow/tfjs-core';
import type {SolveOptions} from '../coreApi';

/** An `adjoint` option value, as `compareGradients` passes it to the loss. */
export type AdjointChoice = NonNullable<SolveOptions['adjoint']>;

/** One row of `compareGradients`: a gradient method against finite differences and implicit. */
export interface GradientComparison {
  adjoint: string;
  /** |⟨∇L, v⟩ − FD| / max(|FD|, tiny) along the random unit direction v. */
  errorVsFiniteDifference: number;
  /** ‖∇L − ∇L_implicit‖ / ‖∇L_implicit‖ over all parameters. */
  errorVsImplicit: number;
  /** Wall time of value and gradient, ms (one run after a warm-up). */
  milliseconds: number;
  /** Peak tensor bytes above the starting level during value and gradient (`tf.profile`). */
  peakBytes: number;
}

const FLOAT32_EPS = 1.1920929e-7;

/** A scalar loss of the parameters, built with `ls.solve(…, {adjoint})`. */
export type LossOf = (adjoint: AdjointChoice, ...parameters: tf.Tensor[]) => tf.Scalar;

/**
 * Gradients of `loss` by several adjoints, side by side: each against central finite
 * differences along one random direction, and against the implicit gradient.
 *
 * `loss(adjoint, ...parameters)` must build the scalar loss from the parameters it is given
 * with `ls.solve(…, {adjoint})`. The finite
 * difference uses h = ε^(1/3)·max(1, ‖θ‖∞), which balances float32 rounding (ε/h) against
 * truncation (h²); expect agreement to about 1e-3 relative, not better.
 *
 * ```ts
 * const table = await ls.compareGradients(
 *   (adjoint, theta) => tf.sum(ls.solve(A(theta), b, {method: 'cg', adjoint})),
 *   [theta0], {adjoints: ['implicit', 'unrolled', {truncated: 5}]});
 * console.log(ls.formatGradientComparison(table));
 * ```
 */
export async function compareGradients(loss: LossOf, parameters: tf.Tensor[],
    {adjoints = ['implicit', 'unrolled', {truncated: 10}], seed = 7}: {adjoints?: AdjointChoice[]; seed?: number} = {},
): Promise<GradientComparison[]> {
  const direction = parameters.map((p, i) => tf.tidy(() => {
    const v = tf.randomNormal(p.shape, 0, 1, 'float32', seed + i);
    return tf.div(v, tf.norm(v));
  }));
  try {
    const fd = finiteDifference(loss, parameters, direction);
    const implicit = await gradientOf(loss, parameters, 'implicit');
    const rows: GradientComparison[] = [];
    for (const adjoint of adjoints) {
      const g = await gradientOf(loss, parameters, adjoint);
      rows.push({
        adjoint: typeof adjoint === 'string' ? adjoint :
          'truncated' in adjoint ? `truncated(${adjoint.truncated})` :
          'stochastic' in adjoint ? `stochastic(${adjoint.stochastic.rate})` : adjoint.name,
        errorVsFiniteDifference: Math.abs(directional(g.values, direction) - fd) / Math.max(Math.abs(fd), 1e-30),
        errorVsImplicit: relativeDistance(g.values, implicit.values),
        milliseconds: g.milliseconds,
        peakBytes: g.peakBytes,
      });
      tf.dispose(g.values);
    }
    tf.dispose(implicit.values);
    return rows;
  } finally {
    tf.dispose(direction);
  }
}

/** The comparison as a markdown table. */
export function formatGradientComparison(rows: GradientComparison[]): string {
  const lines = ['| adjoint | error vs finite differences | error vs implicit | time (ms) | peak bytes |',
    '|---|---|---|---|---|'];
  for (const r of rows) {
    lines.push(`| ${r.adjoint} | ${r.errorVsFiniteDifference.toExponential(2)} | ` +
      `${r.errorVsImplicit.toExponential(2)} | ${r.milliseconds.toFixed(1)} | ${r.peakBytes} |`);
  }
  return lines.join('\n');
}

async function gradientOf(loss: LossOf, parameters: tf.Tensor[], adjoint: AdjointChoice) {
  const run = () => tf.grads((...ps: tf.Tensor[]) => loss(adjoint, ...ps))(parameters);
  tf.dispose(run());                                                   // warm-up: layouts, kernels
  const start = performance.now();
  const values = run();
  values.forEach(v => v.dataSync());
  const milliseconds = performance.now() - start;
  // Profiling slows kernels down, so bytes come from a separate run.
  const bytesBefore = tf.memory().numBytes;
  const profile = await tf.profile(() => tf.dispose(run()));
  return {values, milliseconds, peakBytes: profile.peakBytes - bytesBefore};
}

function finiteDifference(loss: LossOf, parameters: tf.Tensor[], direction: tf.Tensor[]): number {
  const scale = Math.max(1, ...parameters.map(p => tf.tidy(() => tf.max(tf.abs(p)).dataSync()[0])));
  const h = Math.cbrt(FLOAT32_EPS) * scale;
  const at = (t: number) => tf.tidy(() => {
    const shifted = parameters.map((p, i) => tf.add(p, tf.mul(direction[i], t)));
    return loss('implicit', ...shifted).dataSync()[0];
  });
  return (at(h) - at(-h)) / (2 * h);
}

function directional(g: tf.Tensor[], v: tf.Tensor[]): number {
  return tf.tidy(() => g.reduce((s, gi, i) => s + tf.sum(tf.mul(gi, v[i])).dataSync()[0], 0));
}

function relativeDistance(a: tf.Tensor[], b: tf.Tensor[]): number {
  return tf.tidy(() => {
    let diff = 0;
    let norm = 0;
    a.forEach((ai, i) => {
      diff += tf.sum(tf.square(tf.sub(ai, b[i]))).dataSync()[0];
      norm += tf.sum(tf.square(b[i])).dataSync()[0];
    });
    return Math.sqrt(diff) / Math.max(Math.sqrt(norm), 1e-30);
  });
}
