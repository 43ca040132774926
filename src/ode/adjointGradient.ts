/**
 * The continuous adjoint (Chen, Rubanova, Bettencourt & Duvenaud 2018, "Neural ordinary
 * differential equations"), per output interval as torchdiffeq does it. With a = ∂L/∂y(t), the
 * backward integrates, in reversed time s = −t, the augmented state z = [y, a, a_θ]:
 *   dy/ds = −f(t, y),   da/ds = aᵀ ∂f/∂y,   da_θ/ds = aᵀ ∂f/∂θ,
 * from each output time to the previous one, with y reset to the stored forward output and the
 * output's incoming gradient added to a at every output time. Each evaluation is one VJP of f
 * (cotangent a) on a private tape. Step control uses the seminorm over [y, a] only (Kidger,
 * Chen & Lyons 2021). Memory is independent of the number of steps; the gradient is that of the
 * ODE, not of the discrete forward, and is unreliable for stiff or chaotic f.
 */
import * as tf from '@tensorflow/tfjs-core';
import {Dynamics} from './explicitStep';
import {integrate, IntegrateSpec, IntegrateStats} from './integrate';
import {vjp} from './vjp';

/** y at `times` stacked [T, ...y0.shape], differentiable with respect to y0 and `params` by the adjoint ODE. */
export function adjointOdeint(dynamics: Dynamics, y0: tf.Tensor, times: number[], spec: IntegrateSpec,
    params: tf.Tensor[], onStats: (stats: IntegrateStats) => void): tf.Tensor {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const op = tf.customGrad(((...args: any[]) => {
    const save = args.pop() as (tensors: tf.Tensor[]) => void;
    const [y0In] = args as tf.Tensor[];
    const run = integrate(dynamics, y0In, times, spec);
    onStats(run.stats);
    const value = tf.stack(run.outputs);
    save(run.outputs);
    const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]) => backward(dynamics, times, saved, dy, params, spec);
    return {value, gradFunc};
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  }) as any);
  return (op as unknown as (...xs: tf.Tensor[]) => tf.Tensor)(y0, ...params);
}

function backward(dynamics: Dynamics, times: number[], outputs: tf.Tensor[], dy: tf.Tensor,
    params: tf.Tensor[], spec: IntegrateSpec): tf.Tensor[] {
  return tf.tidy(() => {
    const shape = outputs[0].shape;
    const n = outputs[0].size;
    const sizes = params.map(p => p.size);
    const total = sizes.reduce((s, x) => s + x, 0);
    const dys = tf.unstack(dy);
    const augmented: Dynamics = (s, z) => tf.tidy(() => {
      const y = tf.reshape(tf.slice(z, 0, n), shape);
      const a = tf.reshape(tf.slice(z, n, n), shape);
      const {value, grads} = vjp(() => dynamics(-s, y), [y, ...params], a);
      return tf.concat([tf.neg(tf.reshape(value, [-1])), ...grads.map(g => tf.reshape(g, [-1]))]);
    });
    const backSpec: IntegrateSpec = {...spec, prefix: 2 * n};
    let a = tf.reshape(dys[times.length - 1], [-1]);
    let aTheta: tf.Tensor = tf.zeros([total]);
    for (let i = times.length - 1; i >= 1; i--) {
      const z0 = tf.concat([tf.reshape(outputs[i], [-1]), a, aTheta]);
      const run = integrate(augmented, z0, [-times[i], -times[i - 1]], backSpec);
      const z1 = run.outputs[1];
      a = tf.add(tf.slice(z1, n, n), tf.reshape(dys[i - 1], [-1]));
      aTheta = tf.slice(z1, 2 * n, total);
    }
    const gParams: tf.Tensor[] = [];
    let offset = 0;
    params.forEach((p, i) => {
      gParams.push(tf.reshape(tf.slice(aTheta, offset, sizes[i]), p.shape));
      offset += sizes[i];
    });
    return [tf.reshape(a, shape), ...gParams];
  });
}
