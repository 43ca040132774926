import * as tf from '@tensorflow/tfjs-core';

/** An attribute of a native TensorFlow op, as tfjs-node's binding takes it. */
export interface NativeAttr {name: string; type: number; value: unknown}

interface NativeBackend {
  binding: {TF_ATTR_TYPE: number; TF_ATTR_BOOL: number; TF_ATTR_INT: number; TF_FLOAT: number; TF_INT32: number; TF_INT64: number;
    TF_BOOL: number; TF_ATTR_STRING: number; TF_ATTR_SHAPE: number};
  executeSingleOutput(name: string, attrs: NativeAttr[], inputs: tf.Tensor[]): tf.Tensor;
  executeMultipleOutputs(name: string, attrs: NativeAttr[], inputs: tf.Tensor[], n: number): tf.Tensor[];
}

/**
 * TensorFlow's own kernels, called by name, when the active backend is tfjs-node; else null.
 * Ops called this way are not recorded on tfjs's tape: use them only inside a custom op's
 * forward (whose gradient is written separately) or off the tape.
 * tfjs's wrappers validate indices in JavaScript and lack LU, Cholesky and triangular solves;
 * the native kernels do not.
 */
export function nativeOps(): NativeOps | null {
  const backend = tf.backend() as unknown as NativeBackend;
  if (typeof backend.executeSingleOutput !== 'function' || backend.binding == null) return null;
  return new NativeOps(backend);
}

/** Resource variables made so far: each gets a name of its own. */
let variables = 0;

/** Thin typed calls of the TensorFlow kernels this library uses. */
export class NativeOps {
  constructor(private readonly backend: NativeBackend) {}

  private type(name: string, dtype: 'float32' | 'int32' | 'int64'): NativeAttr {
    const b = this.backend.binding;
    const value = dtype === 'float32' ? b.TF_FLOAT : dtype === 'int32' ? b.TF_INT32 : b.TF_INT64;
    return {name, type: b.TF_ATTR_TYPE, value};
  }

  private bool(name: string, value: boolean): NativeAttr {
    return {name, type: this.backend.binding.TF_ATTR_BOOL, value};
  }

  /** LU with partial pivoting: returns packed `lu` [..., n, n] and `perm` [..., n] int32. */
  lu(a: tf.Tensor): {lu: tf.Tensor; perm: tf.Tensor} {
    const [lu, perm] = this.backend.executeMultipleOutputs(
      'Lu', [this.type('T', 'float32'), this.type('output_idx_type', 'int32')], [a], 2);
    return {lu, perm};
  }

  /** Lower Cholesky factor (TensorFlow fills a failed factorisation with NaN). */
  cholesky(a: tf.Tensor): tf.Tensor {
    return this.backend.executeSingleOutput('Cholesky', [this.type('T', 'float32')], [a]);
  }

  /** Solves T x = rhs (or Tᴴ x = rhs with `adjoint`) for triangular T. */
  triangularSolve(t: tf.Tensor, rhs: tf.Tensor, lower: boolean, adjoint: boolean): tf.Tensor {
    return this.backend.executeSingleOutput('MatrixTriangularSolve',
      [this.bool('lower', lower), this.bool('adjoint', adjoint), this.type('T', 'float32')], [t, rhs]);
  }

  /** Row gather without tfjs's JavaScript index validation. */
  gather(params: tf.Tensor, indices: tf.Tensor, axis: tf.Tensor): tf.Tensor {
    return this.backend.executeSingleOutput('GatherV2', [
      this.type('Tparams', 'float32'), this.type('Tindices', 'int32'), this.type('Taxis', 'int32'),
      {name: 'batch_dims', type: this.backend.binding.TF_ATTR_INT, value: 0},
    ], [params, indices, axis]);
  }

  /** a / b, 0 where b = 0, as one kernel (tfjs composes it from four). */
  divNoNan(a: tf.Tensor, b: tf.Tensor): tf.Tensor {
    return this.backend.executeSingleOutput('DivNoNan', [this.type('T', 'float32')], [a, b]);
  }

  /** The same matrices with their main diagonal replaced by `diagonal` `[..., n]`. */
  setDiagonal(matrices: tf.Tensor, diagonal: tf.Tensor): tf.Tensor {
    return this.backend.executeSingleOutput('MatrixSetDiag', [this.type('T', 'float32')], [matrices, diagonal]);
  }

  /** The main diagonals `[..., n]` of a batch of matrices. */
  diagonalPart(matrices: tf.Tensor): tf.Tensor {
    return this.backend.executeSingleOutput('MatrixDiagPart', [this.type('T', 'float32')], [matrices]);
  }

  /** The inverse of a permutation vector of int32. */
  invertPermutation(permutation: tf.Tensor): tf.Tensor {
    return this.backend.executeSingleOutput('InvertPermutation', [this.type('T', 'int32')], [permutation]);
  }

  /** |a| elementwise. */
  abs(a: tf.Tensor): tf.Tensor {
    return this.backend.executeSingleOutput('Abs', [this.type('T', 'float32')], [a]);
  }

  /** The maximum of `a` over the int32 `axes` (a tensor), keeping them as size 1 with `keepDims`. */
  max(a: tf.Tensor, axes: tf.Tensor, keepDims: boolean): tf.Tensor {
    return this.backend.executeSingleOutput('Max',
      [this.bool('keep_dims', keepDims), this.type('T', 'float32'), this.type('Tidx', 'int32')], [a, axes]);
  }

  /** √Σ a² over the int32 `axes` (a tensor), as one kernel; `keepDims` keeps them as size 1. */
  euclideanNorm(a: tf.Tensor, axes: tf.Tensor, keepDims: boolean): tf.Tensor {
    return this.backend.executeSingleOutput('EuclideanNorm',
      [this.bool('keep_dims', keepDims), this.type('T', 'float32'), this.type('Tidx', 'int32')], [a, axes]);
  }

  /** a + b, a − b, a · b, min(a, b) elementwise, broadcasting. */
  add(a: tf.Tensor, b: tf.Tensor): tf.Tensor { return this.binary('AddV2', a, b); }
  sub(a: tf.Tensor, b: tf.Tensor): tf.Tensor { return this.binary('Sub', a, b); }
  mul(a: tf.Tensor, b: tf.Tensor): tf.Tensor { return this.binary('Mul', a, b); }
  minimum(a: tf.Tensor, b: tf.Tensor): tf.Tensor { return this.binary('Minimum', a, b); }

  /** a + b for int32 tensors, broadcasting. */
  addInt(a: tf.Tensor, b: tf.Tensor): tf.Tensor {
    return this.backend.executeSingleOutput('AddV2', [this.type('T', 'int32')], [a, b]);
  }

  /** a > b elementwise, as bool. */
  greater(a: tf.Tensor, b: tf.Tensor): tf.Tensor { return this.binary('Greater', a, b); }

  /** `condition ? a : b` elementwise, broadcasting. */
  select(condition: tf.Tensor, a: tf.Tensor, b: tf.Tensor): tf.Tensor {
    return this.backend.executeSingleOutput('SelectV2', [this.type('T', 'float32')], [condition, a, b]);
  }

  /** Σ over the int32 `axes` (a tensor), keeping them as size 1 with `keepDims`. */
  sum(a: tf.Tensor, axes: tf.Tensor, keepDims: boolean): tf.Tensor {
    return this.backend.executeSingleOutput('Sum',
      [this.bool('keep_dims', keepDims), this.type('T', 'float32'), this.type('Tidx', 'int32')], [a, axes]);
  }

  /** a·b over the last two axes (batched, broadcasting), each optionally transposed. */
  matMul(a: tf.Tensor, b: tf.Tensor, adjointA: boolean, adjointB: boolean): tf.Tensor {
    return this.backend.executeSingleOutput('BatchMatMulV2',
      [this.type('T', 'float32'), this.bool('adj_x', adjointA), this.bool('adj_y', adjointB)], [a, b]);
  }

  /** The minimum of `a` over the int32 `axes` (a tensor), keeping them as size 1 with `keepDims`. */
  min(a: tf.Tensor, axes: tf.Tensor, keepDims: boolean): tf.Tensor {
    return this.backend.executeSingleOutput('Min',
      [this.bool('keep_dims', keepDims), this.type('T', 'float32'), this.type('Tidx', 'int32')], [a, axes]);
  }

  /** a / b, log a, ⌊a⌋, aᵇ elementwise (float32, broadcasting). */
  div(a: tf.Tensor, b: tf.Tensor): tf.Tensor { return this.binary('RealDiv', a, b); }
  log(a: tf.Tensor): tf.Tensor { return this.unary('Log', a); }
  floor(a: tf.Tensor): tf.Tensor { return this.unary('Floor', a); }
  pow(a: tf.Tensor, b: tf.Tensor): tf.Tensor { return this.binary('Pow', a, b); }

  /** Whether each entry is finite, as bool. */
  isFinite(a: tf.Tensor): tf.Tensor { return this.unary('IsFinite', a); }

  /** a ∧ b elementwise for bool tensors. */
  logicalAnd(a: tf.Tensor, b: tf.Tensor): tf.Tensor {
    return this.backend.executeSingleOutput('LogicalAnd', [], [a, b]);
  }

  /** A bool tensor as float32 (1 for true). */
  boolToFloat(a: tf.Tensor): tf.Tensor {
    return this.backend.executeSingleOutput('Cast', [
      {name: 'SrcT', type: this.backend.binding.TF_ATTR_TYPE, value: this.backend.binding.TF_BOOL},
      this.type('DstT', 'float32'), this.bool('Truncate', false)], [a]);
  }

  /** `t` with a new shape (`-1` for one inferred extent); the data are shared, not copied. */
  reshape(t: tf.Tensor, shape: number[]): tf.Tensor {
    const dims = tf.tensor1d(shape, 'int32');
    try {
      return this.backend.executeSingleOutput('Reshape',
        [this.type('T', t.dtype as 'float32' | 'int32'), this.type('Tshape', 'int32')], [t, dims]);
    } finally {
      dims.dispose();
    }
  }

  /** The float32 tensors flattened and joined end to end, as one `[Σ size]` tensor. */
  flatConcat(tensors: tf.Tensor[]): tf.Tensor {
    const flat = tensors.map(t => t.rank === 1 ? t : this.reshape(t, [-1]));
    const axis = tf.scalar(0, 'int32');
    try {
      return this.backend.executeSingleOutput('ConcatV2', [this.type('T', 'float32'), this.type('Tidx', 'int32'),
        {name: 'N', type: this.backend.binding.TF_ATTR_INT, value: flat.length}], [...flat, axis]);
    } finally {
      tf.dispose([...flat.filter((t, i) => t !== tensors[i]), axis]);
    }
  }

  /** Rows of `params` along `axis` at int32 `indices`, with `batchDims` leading batch axes shared. */
  gatherAxis(params: tf.Tensor, indices: tf.Tensor, axis: number, batchDims = 0): tf.Tensor {
    const axisTensor = tf.scalar(axis, 'int32');
    try {
      return this.backend.executeSingleOutput('GatherV2', [
        this.type('Tparams', 'float32'), this.type('Tindices', 'int32'), this.type('Taxis', 'int32'),
        {name: 'batch_dims', type: this.backend.binding.TF_ATTR_INT, value: batchDims},
      ], [params, indices, axisTensor]);
    } finally {
      axisTensor.dispose();
    }
  }

  /** A new float32 resource variable holding a copy of `initial`; its handle (free it with `destroyVariable`). */
  variable(initial: tf.Tensor): tf.Tensor {
    const handle = this.backend.executeSingleOutput('VarHandleOp', [
      {name: 'container', type: this.backend.binding.TF_ATTR_STRING, value: ''},
      {name: 'shared_name', type: this.backend.binding.TF_ATTR_STRING, value: `tfjs-linsolve-${++variables}`},
      this.type('dtype', 'float32'), {name: 'shape', type: this.backend.binding.TF_ATTR_SHAPE, value: initial.shape},
    ], []);
    this.assign(handle, initial);
    return handle;
  }

  /** Overwrites the variable's value with `value`. */
  assign(handle: tf.Tensor, value: tf.Tensor): void {
    this.backend.executeMultipleOutputs('AssignVariableOp',
      [this.type('dtype', 'float32'), this.bool('validate_shape', false)], [handle, value], 0);
  }

  /** The variable's value as a tensor (no copy; free it before the next in-place update, or that one copies). */
  read(handle: tf.Tensor): tf.Tensor {
    return this.backend.executeSingleOutput('ReadVariableOp', [this.type('dtype', 'float32')], [handle]);
  }

  /** v ← v − α·delta in place, for a scalar α. */
  subtractScaled(handle: tf.Tensor, alpha: tf.Tensor, delta: tf.Tensor): void {
    this.backend.executeMultipleOutputs('ResourceApplyGradientDescent',
      [this.type('T', 'float32'), this.bool('use_locking', false)], [handle, alpha, delta], 0);
  }

  /**
   * accum ← β·accum + g in place, for a scalar β (TensorFlow's momentum step, whose
   * var ← var − lr·accum runs on `scratch` with lr = `zero`).
   */
  scaleAndAdd(accum: tf.Tensor, beta: tf.Tensor, g: tf.Tensor, scratch: tf.Tensor, zero: tf.Tensor): void {
    this.backend.executeMultipleOutputs('ResourceApplyMomentum', [this.type('T', 'float32'),
      this.bool('use_locking', false), this.bool('use_nesterov', false)], [scratch, accum, zero, g, beta], 0);
  }

  /** Frees the variable and its handle. */
  destroyVariable(handle: tf.Tensor): void {
    this.backend.executeMultipleOutputs('DestroyResourceOp', [this.bool('ignore_lookup_error', true)], [handle], 0);
    handle.dispose();
  }

  /** −a elementwise. */
  neg(a: tf.Tensor): tf.Tensor { return this.unary('Neg', a); }

  private unary(name: string, a: tf.Tensor): tf.Tensor {
    return this.backend.executeSingleOutput(name, [this.type('T', 'float32')], [a]);
  }

  /**
   * a·b for matrices (rank 2), a optionally transposed: TensorFlow's MatMul, which ran a
   * 500² matrix-vector product 5× faster than BatchMatMulV2 (56 against 291 µs; 1000²: 297
   * against 705 µs; bench/node-engine.ts).
   */
  matMul2d(a: tf.Tensor, b: tf.Tensor, transposeA: boolean): tf.Tensor {
    return this.backend.executeSingleOutput('MatMul',
      [this.type('T', 'float32'), this.bool('transpose_a', transposeA), this.bool('transpose_b', false)], [a, b]);
  }

  private binary(name: string, a: tf.Tensor, b: tf.Tensor): tf.Tensor {
    return this.backend.executeSingleOutput(name, [this.type('T', 'float32')], [a, b]);
  }

  /** int32 → int64, which SparseTensorDenseMatMul wants for its indices. */
  toInt64(t: tf.Tensor): tf.Tensor {
    // tfjs-node warns on every int64 output; these stay native and are never read back.
    const warn = console.warn;
    console.warn = () => undefined;
    try {
      return this.backend.executeSingleOutput('Cast', [
        this.type('SrcT', 'int32'), this.type('DstT', 'int64'), this.bool('Truncate', false)], [t]);
    } finally {
      console.warn = warn;
    }
  }

  /** y = A x (or Aᵀ x with `adjointA`) for a sparse A in COO form with int64 indices. */
  sparseMatMul(indices64: tf.Tensor, values: tf.Tensor, shape64: tf.Tensor, x: tf.Tensor,
      adjointA: boolean): tf.Tensor {
    return this.backend.executeSingleOutput('SparseTensorDenseMatMul', [
      this.type('T', 'float32'), this.type('Tindices', 'int64'),
      this.bool('adjoint_a', adjointA), this.bool('adjoint_b', false),
    ], [indices64, values, shape64, x]);
  }
}
