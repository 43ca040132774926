/**
 * Right-hand sides and query vectors on the host. A dense tensor is read once (one `dataSync`,
 * O(n), cached per tensor, since tfjs tensors are immutable) together with its norms; a query
 * vector may instead be given sparse, `{indices, values}`, which costs only its support.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as ls from '../coreApi';

/** A dense vector read back to the host, with the norms the certificates need. */
export interface HostVector {
  data: Float32Array;
  infNorm: number;
  oneNorm: number;
}

/** A sparse vector: `values[k]` sits at `indices[k]`. */
export interface SparseVectorSpec {
  indices: ArrayLike<number>;
  values: ArrayLike<number>;
}

/** A sparse vector as the push and walk methods read it. */
export interface SparseVector {
  indices: Int32Array;
  values: Float64Array;
}

const vectors = new WeakMap<tf.Tensor, HostVector>();

/** `b` on the host: a float32 `[n]` (or `[n, 1]`) tensor, read once per tensor. */
export function hostVector(b: unknown, n: number, caller: string, name = 'b'): HostVector {
  requireVectorTensor(b, n, caller, name);
  let cached = vectors.get(b);
  if (cached == null) {
    const data = b.dataSync() as Float32Array;
    let infNorm = 0;
    let oneNorm = 0;
    for (let i = 0; i < n; i++) {
      const v = Math.abs(data[i]);
      if (!Number.isFinite(v)) {
        throw new ls.LinearSolveError('nonFinite', `${caller}: ${name}[${i}] is ${data[i]}.`);
      }
      infNorm = Math.max(infNorm, v);
      oneNorm += v;
    }
    cached = {data, infNorm, oneNorm};
    vectors.set(b, cached);
  }
  return cached;
}

export function requireVectorTensor(b: unknown, n: number, caller: string, name: string): asserts b is tf.Tensor {
  if (!(b instanceof tf.Tensor)) {
    throw new ls.LinearSolveError('dtype', `${caller}: ${name} must be a float32 tf.Tensor of shape [${n}].`);
  }
  if (b.dtype !== 'float32') {
    throw new ls.LinearSolveError('dtype', `${caller}: ${name} has dtype ${b.dtype}; cast it with tf.cast(${name}, 'float32').`);
  }
  const ok = (b.rank === 1 && b.shape[0] === n) || (b.rank === 2 && b.shape[0] === n && b.shape[1] === 1);
  if (!ok) {
    throw new ls.LinearSolveError('shape', `${caller}: ${name} must have shape [${n}] (or [${n}, 1]) to match A, got [${b.shape}].`);
  }
}

/** A query or right-hand side as a sparse vector: a dense tensor's nonzeros, or `{indices, values}` checked. */
export function sparseInput(v: unknown, n: number, caller: string, name: string): SparseVector {
  if (v instanceof tf.Tensor) {
    const {data} = hostVector(v, n, caller, name);
    const at: number[] = [];
    for (let i = 0; i < n; i++) if (data[i] !== 0) at.push(i);
    return {indices: Int32Array.from(at), values: Float64Array.from(at, i => data[i])};
  }
  const spec = v as SparseVectorSpec;
  if (spec == null || spec.indices == null || spec.values == null || spec.indices.length !== spec.values.length) {
    throw new ls.LinearSolveError('shape',
      `${caller}: ${name} must be a tf.Tensor [${n}] or {indices, values} of equal lengths.`);
  }
  const merged = new Map<number, number>();
  for (let k = 0; k < spec.indices.length; k++) {
    const i = spec.indices[k];
    const x = spec.values[k];
    if (!(Number.isInteger(i) && i >= 0 && i < n)) {
      throw new ls.LinearSolveError('shape', `${caller}: ${name}.indices[${k}] = ${i} is outside [0, ${n}).`);
    }
    if (!Number.isFinite(x)) throw new ls.LinearSolveError('nonFinite', `${caller}: ${name}.values[${k}] is ${x}.`);
    merged.set(i, (merged.get(i) ?? 0) + x);
  }
  const indices = Int32Array.from([...merged.keys()].filter(i => merged.get(i) !== 0));
  return {indices, values: Float64Array.from(indices, i => merged.get(i) as number)};
}

export function oneNorm(v: SparseVector): number {
  let s = 0;
  for (let k = 0; k < v.values.length; k++) s += Math.abs(v.values[k]);
  return s;
}
