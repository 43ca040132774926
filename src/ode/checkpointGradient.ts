/**
 * Checkpointed gradients: the forward runs off the tape and keeps at most k states (every
 * `stride`-th step, halving the kept set and doubling the stride whenever more than k would be
 * kept, since an adaptive run's length is unknown in advance). The backward replays each
 * segment from its checkpoint on a private tape (`vjp`) and backpropagates through it, last
 * segment first. The gradient is that of the discrete forward, exactly as 'direct' gives it,
 * with memory ∝ k + steps/k instead of ∝ steps (Griewank & Walther, Evaluating Derivatives).
 */
import * as tf from '@tensorflow/tfjs-core';
import {Dynamics} from './explicitStep';
import {integrate, IntegrateSpec, IntegrateStats, Plan, runPlan} from './integrate';
import {vjp} from './vjp';

/** The thinning store of checkpoint states. */
class CheckpointStore {
  indices: number[] = [];
  states: tf.Tensor[] = [];
  private stride = 1;

  constructor(private readonly capacity: number) {}

  offer(index: number, y: tf.Tensor): void {
    if (index % this.stride !== 0) return;
    this.indices.push(index);
    this.states.push(tf.keep(tf.clone(y)));
    if (this.states.length > this.capacity) {
      const keep = this.indices.map((_, i) => i % 2 === 0);
      this.states.forEach((s, i) => { if (!keep[i]) s.dispose(); });
      this.states = this.states.filter((_, i) => keep[i]);
      this.indices = this.indices.filter((_, i) => keep[i]);
      this.stride *= 2;
    }
  }

  dispose(): void {
    tf.dispose(this.states);
  }
}

/**
 * y at `times` stacked [T, ...y0.shape], differentiable with respect to y0 and `params` by
 * segment replay. `onStats` receives the forward's counts.
 */
export function checkpointedOdeint(dynamics: Dynamics, y0: tf.Tensor, times: number[], spec: IntegrateSpec,
    params: tf.Tensor[], capacity: number, onStats: (stats: IntegrateStats) => void): tf.Tensor {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const op = tf.customGrad(((...args: any[]) => {
    const save = args.pop() as (tensors: tf.Tensor[]) => void;
    const [y0In] = args as tf.Tensor[];
    const store = new CheckpointStore(capacity);
    let plan: Plan;
    let value: tf.Tensor;
    try {
      const run = integrate(dynamics, y0In, times, spec, (i, y) => store.offer(i, y));
      plan = run.plan;
      onStats(run.stats);
      value = tf.stack(run.outputs);
      tf.dispose(run.outputs.filter(o => o !== y0In));
      save(store.states);
    } finally {
      store.dispose();
    }
    const indices = store.indices;
    const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]) => backward(dynamics, plan, indices, saved, dy, params, spec);
    return {value, gradFunc};
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  }) as any);
  return (op as unknown as (...xs: tf.Tensor[]) => tf.Tensor)(y0, ...params);
}

function backward(dynamics: Dynamics, plan: Plan, indices: number[], states: tf.Tensor[], dy: tf.Tensor,
    params: tf.Tensor[], spec: IntegrateSpec): tf.Tensor[] {
  return tf.tidy(() => {
    const dys = tf.unstack(dy);
    let gState: tf.Tensor = tf.zerosLike(states[0]);
    let gParams = params.map(p => tf.zerosLike(p));
    for (let j = indices.length - 1; j >= 0; j--) {
      const from = indices[j];
      const to = j + 1 < indices.length ? indices[j + 1] : plan.steps.length;
      const start = states[j];
      const incoming = gState;
      const {grads} = vjp(() => {
        const run = runPlan(dynamics, start, plan, from, to, spec, false);
        const terms = [tf.sum(tf.mul(run.y, incoming)), ...run.outputs.map(([o, y]) => tf.sum(tf.mul(y, dys[o])))];
        return tf.addN(terms);
      }, [start, ...params], tf.scalar(1));
      gState = grads[0];
      gParams = gParams.map((g, i) => tf.add(g, grads[i + 1]));
    }
    return [tf.add(gState, dys[0]), ...gParams];
  });
}
