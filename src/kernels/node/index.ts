/**
 * The tfjs-node kernels: TensorFlow's own ops called by name (`NativeOps`). tfjs's wrappers
 * validate indices in JavaScript and lack LU, Cholesky and triangular solves; the native
 * kernels do not, and cost ~10 µs a dispatch instead of ~25–40 µs.
 */
import * as tf from '@tensorflow/tfjs-core';
import {CooPattern, Kernels, LUFactors} from '../Kernels';
import {NativeOps, nativeOps} from './NativeOps';

function native(): NativeOps {
  const ops = nativeOps();
  if (ops == null) throw new Error("tfjs-linsolve: the 'tensorflow' backend is not tfjs-node's native backend");
  return ops;
}

/** int64 indices and shape for SparseTensorDenseMatMul, built once per pattern. */
function nativeIndices(pattern: CooPattern, ops: NativeOps): {indices64: tf.Tensor; shape64: tf.Tensor} {
  return pattern.memo('native', () => tf.tidy(() => {
    const indices64 = tf.keep(ops.toInt64(tf.stack([pattern.rowTensor, pattern.colTensor], 1)));
    const shape64 = tf.keep(ops.toInt64(tf.tensor1d([pattern.n, pattern.n], 'int32')));
    return {value: {indices64, shape64}, tensors: [indices64, shape64]};
  }));
}

export const nodeKernels: Partial<Kernels> = {
  luFactor(a) {
    const [batch, n] = a.shape as number[];
    const ops = native();
    try {
      const {lu, perm} = ops.lu(a);
      // The kernel has no unit-diagonal mode; it reads only the triangle it is told to.
      const lower = ops.setDiagonal(lu, tf.ones([batch, n]));
      return {lower, upper: lu, perm, pivots: ops.diagonalPart(lu)};
    } catch (error) {
      // TensorFlow refuses exactly singular input ("Input is not invertible"): a zero pivot.
      // Anything else (out of memory) is not singularity: let it through as it is.
      if (!/invertible/i.test(String((error as Error)?.message))) throw error;
      // TensorFlow refuses the whole batch for one singular member: factor the members one by
      // one, so the others keep their factors (a determinant of each member needs them).
      if (batch > 1) {
        return tf.tidy(() => {
          const parts = tf.split(a, batch, 0).map(member => nodeKernels.luFactor!(member));
          const joined = (key: keyof LUFactors) => tf.concat(parts.map(p => p[key]), 0);
          return {lower: joined('lower'), upper: joined('upper'), perm: joined('perm'), pivots: joined('pivots')};
        });
      }
      const identity = tf.tile(tf.expandDims(tf.range(0, n, 1, 'int32'), 0), [batch, 1]);
      return {lower: tf.zerosLike(a), upper: tf.zerosLike(a), perm: identity, pivots: tf.zeros([batch, n])};
    }
  },

  choleskyFactor(a) {
    try {
      return native().cholesky(a);
    } catch (error) {
      // TensorFlow refuses matrices that are not positive definite; report it as a failed pivot.
      // Anything else (out of memory) is not indefiniteness: let it through as it is.
      if (!/cholesky|positive|invertible/i.test(String((error as Error)?.message))) throw error;
      return tf.fill(a.shape, NaN);
    }
  },

  // TensorFlow's kernel has no unit-diagonal mode: `t` must then hold ones there (luFactor's `lower` does).
  triangularSolve: (t, rhs, {lower, transposeT = false}) =>
    native().triangularSolve(t, rhs, transposeT ? !lower : lower, transposeT),

  inverseFlatPermutation(perm) {
    const [batch, n] = perm.shape as number[];
    const flat = tf.tidy(() => batch === 1 ? tf.reshape(perm, [n]) :
      tf.reshape(tf.add(perm, tf.expandDims(tf.mul(tf.range(0, batch, 1, 'int32'), tf.scalar(n, 'int32')), 1)), [batch * n]));
    const inverse = native().invertPermutation(flat);
    flat.dispose();
    return inverse;
  },

  gatherRows(t, index) {
    const axis = tf.scalar(0, 'int32');
    const out = native().gather(t, index, axis);
    axis.dispose();
    return out;
  },

  sparseProduct(pattern, values, x, transposed) {
    const ops = native();
    const {indices64, shape64} = nativeIndices(pattern, ops);
    return ops.sparseMatMul(indices64, values, shape64, x, transposed);
  },

  divNoNan: (a, b) => native().divNoNan(a, b),

  // The checks around every solve, in one native kernel each where tf ops take four to
  // seventeen (~10 µs a native dispatch against ~25–40 µs a tf op: bench/node-engine.ts).
  columnNorm: a => withAxes([a.rank - 2], axes => native().euclideanNorm(a, axes, true)),

  maxAbs(a) {
    const ops = native();
    const magnitude = ops.abs(a);
    try {
      return withAxes(a.shape.map((_, i) => i), axes => ops.max(magnitude, axes, false));
    } finally {
      magnitude.dispose();
    }
  },

  // The tf-ops form's kernels, in its order and with its constants (so the same scale to the
  // bit), called by name: eleven dispatches of ~15 µs where the tf ops cost ~70 µs each. No
  // readback, which the readback-free solves (fixedIterations, the asynchronous API) need.
  columnScale(b) {
    const ops = native();
    const t: tf.Tensor[] = [];
    const keep = (x: tf.Tensor) => { t.push(x); return x; };
    try {
      const axis = keep(tf.tensor1d([b.rank - 2], 'int32'));
      const [zero, one, two, ln2] = [0, 1, 2, Math.LN2].map(v => keep(tf.scalar(v)));
      const m = keep(ops.max(keep(ops.abs(b)), axis, true));
      const usable = keep(ops.logicalAnd(keep(ops.isFinite(m)), keep(ops.greater(m, zero))));
      const safe = keep(ops.select(usable, m, one));
      const power = keep(ops.pow(two, keep(ops.floor(keep(ops.div(keep(ops.log(safe)), ln2))))));
      return ops.select(usable, power, one);
    } finally {
      tf.dispose(t);
    }
  },

  // A readback here is a copy out of TensorFlow's host memory: packing them costs more.
  readAll: tensors => tensors.map(t => {
    const values = t.dataSync();
    return values instanceof Float32Array ? values : Float32Array.from(values as ArrayLike<number>);
  }),
};

/** `body(axes)` with the int32 axes as a tensor, freed after. */
function withAxes(axes: number[], body: (axes: tf.Tensor) => tf.Tensor): tf.Tensor {
  const t = tf.tensor1d(axes, 'int32');
  try {
    return body(t);
  } finally {
    t.dispose();
  }
}
