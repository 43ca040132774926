/**
 * Sparse products for a solve whose values stay fixed (a Krylov loop): the values are
 * gathered once into the layout, so each product reads only value, column and x per slot.
 *
 * Two layouts (Bell & Garland, "Implementing sparse matrix-vector multiplication on
 * throughput-oriented processors", SC 2009): DIA, when the pattern lies on few diagonals
 * (stencils, banded matrices; it reads no index texture at all: the offsets are constants of
 * the program), else ELL with the values in slot order. Measured in headless Chromium
 * (SwiftShader) on Poisson 128²: ELL reading value indices 3.4 ms a product, ELL with gathered
 * values 3.1 ms, a hand-written stencil 0.85 ms; DIA is that stencil with one value fetch per
 * diagonal (bench/webgl-engine.ts).
 */
import * as tf from '@tensorflow/tfjs-core';
import {CooPattern} from '../Kernels';
import {ellLayout} from '../tfops/ellProduct';
import {WebglProgram, runProgram} from './webglEngine';

/** A product A·X with A's values gathered into the program's layout; free `tensors` after use. */
export interface PreparedProduct {
  apply(x: tf.Tensor): tf.Tensor;
  tensors: tf.Tensor[];
}

/** Diagonal offsets (column − row) of a pattern and, per diagonal and row, the entry there (or nnz). */
interface DiaLayout {
  offsets: number[];
  /** `[D·n]` int32: the value index of diagonal d, row i at d·n + i (nnz: no entry). */
  slots: tf.Tensor;
}

/** DIA pays when the diagonals are mostly full: at most this many stored slots per entry. */
const DIA_FILL = 2;
/** Diagonals unrolled into one program at most. */
const DIA_MAX = 32;

function diaLayout(pattern: CooPattern, transposed: boolean): DiaLayout | null {
  const layouts = pattern.memo('webglDia', () => {
    const forward = buildDia(pattern.n, pattern.rows, pattern.cols);
    const backward = buildDia(pattern.n, pattern.cols, pattern.rows);
    return {value: {forward, backward}, tensors: [forward, backward].flatMap(l => (l == null ? [] : [l.slots]))};
  });
  return transposed ? layouts.backward : layouts.forward;
}

function buildDia(n: number, rows: Int32Array, cols: Int32Array): DiaLayout | null {
  const nnz = rows.length;
  const index = new Map<number, number>();
  for (let e = 0; e < nnz; e++) {
    const offset = cols[e] - rows[e];
    if (!index.has(offset)) {
      if (index.size === DIA_MAX) return null;
      index.set(offset, index.size);
    }
  }
  const offsets = [...index.keys()].sort((a, b) => a - b);
  if (offsets.length === 0 || offsets.length * n > DIA_FILL * nnz) return null;
  offsets.forEach((o, d) => index.set(o, d));
  const slots = new Int32Array(offsets.length * n).fill(nnz);
  for (let e = 0; e < nnz; e++) {
    const at = (index.get(cols[e] - rows[e]) as number) * n + rows[e];
    if (slots[at] !== nnz) return null;   // a repeated entry (summed in COO): ELL handles it
    slots[at] = e;
  }
  return {offsets, slots: tf.tensor1d(slots, 'int32')};
}

/** Y = A·X (Aᵀ·X) for X `[n, k]` (or a vector `[n]`, flat programs), with `values` read once now. */
export function prepareProduct(pattern: CooPattern, values: tf.Tensor, transposed: boolean): PreparedProduct {
  const n = pattern.n;
  if (pattern.nnz === 0) return {apply: x => tf.zeros(x.shape), tensors: []};
  const dia = diaLayout(pattern, transposed);
  if (dia != null) {
    const gathered = tf.tidy(() => tf.reshape(tf.gather(tf.concat([values, tf.zeros([1])]), dia.slots), [dia.offsets.length, n]));
    return {apply: x => runProgram(diaProgram(n, columnsOf(x), dia.offsets), [gathered, x]), tensors: [gathered]};
  }
  const {width, columns, slots} = ellLayout(pattern, transposed);
  const gathered = tf.tidy(() => tf.gather(tf.concat([values, tf.zeros([1])]), slots));
  return {apply: x => runProgram(ellProgram(n, columnsOf(x), width), [columns, gathered, x]), tensors: [gathered]};
}

/** Columns of X, or null for a vector `[n]` (flat programs: no 2-D output coordinates). */
function columnsOf(x: tf.Tensor): number | null {
  return x.rank === 1 ? null : x.shape[1] as number;
}

function diaProgram(n: number, k: number | null, offsets: number[]): WebglProgram {
  const terms = offsets.map((o, d) => {
    const guard = o < 0 ? `i >= ${-o}` : o > 0 ? `i < ${n - o}` : '';
    const term = `acc += getV(${d}, i) * getX(i + ${o}${k == null ? '' : ', c.y'});`;
    return guard === '' ? term : `if (${guard}) ${term}`;
  });
  return {
    variableNames: ['V', 'X'],
    outputShape: k == null ? [n] : [n, k],
    userCode: `
      void main() {
        ${k == null ? 'int i = getOutputCoords();' : 'ivec2 c = getOutputCoords(); int i = c.x;'}
        float acc = 0.0;
        ${terms.join('\n        ')}
        setOutput(acc);
      }`,
  };
}

function ellProgram(n: number, k: number | null, width: number): WebglProgram {
  return {
    variableNames: ['C', 'V', 'X'],
    outputShape: k == null ? [n] : [n, k],
    userCode: `
      void main() {
        ${k == null ? 'int i = getOutputCoords();' : 'ivec2 c = getOutputCoords(); int i = c.x;'}
        int base = i * ${width};
        float acc = 0.0;
        for (int j = 0; j < ${width}; j++) acc += getV(base + j) * getX(int(getC(base + j) + 0.5)${k == null ? '' : ', c.y'});
        setOutput(acc);
      }`,
  };
}
