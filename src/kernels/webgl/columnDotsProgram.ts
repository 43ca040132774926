/**
 * Several column-wise inner products on WebGL in the same two passes as `columnDotProgram`:
 * the q products u₀ᵀv₀, …, u_{q−1}ᵀv_{q−1} share one first pass (its output holds the chunk
 * sums of all q, one fragment per product and chunk) and one second pass, so a Krylov step
 * that needs three inner products of the same vectors queues two programs, not six.
 *
 * The result holds the q products as slots: `[q]` for a flat layout, `[B, q, k]` otherwise;
 * a program reads product s of its column with `slotScalar(layout, name, s)`.
 */
import * as tf from '@tensorflow/tfjs-core';
import {BlockLayout} from './blockLayout';
import {WebglProgram, runProgram} from './webglEngine';

/** GLSL sampling slot `s` of the column's products in the slot tensor `name`. */
export function slotScalar(layout: BlockLayout, name: string, s: number): string {
  return layout.flat ? `get${name}(${s})` : `get${name}(b, ${s}, j)`;
}

/** The shape of a slot tensor with q slots per column. */
export function slotShape(layout: BlockLayout, q: number): number[] {
  return layout.flat ? [q] : [layout.batch, q, layout.k];
}

/**
 * Σᵢ u_s[b,i,j]·v_s[b,i,j] for each pair s, as slots (`slotShape(layout, pairs.length)`), for
 * u, v in the layout's vector shape.
 *
 * ```ts
 * const [thtt] = [columnDotsProgram(l, [[t, h], [t, t]])];   // slot 0: tᵀh, slot 1: tᵀt
 * ```
 */
export function columnDotsProgram(layout: BlockLayout, pairs: [tf.Tensor, tf.Tensor][]): tf.Tensor {
  const q = pairs.length;
  if (layout.n === 0) return tf.zeros(slotShape(layout, q));
  const chunk = Math.max(8, 2 ** Math.ceil(Math.log2(Math.sqrt(layout.n))));
  const chunks = Math.ceil(layout.n / chunk);
  const partial = runProgram(firstPass(layout, q, chunk, chunks), pairs.flat());
  if (chunks === 1) return partial;
  const total = runProgram(secondPass(layout, q, chunks), [partial]);
  partial.dispose();
  return total;
}

function firstPass(layout: BlockLayout, q: number, chunk: number, chunks: number): WebglProgram {
  const {flat, batch, k, n} = layout;
  const row = (name: string) => (flat ? `get${name}(r)` : `get${name}(b, r, j)`);
  // One loop per product, so that each fragment runs one branch (fragments of a product are adjacent).
  const loops = Array.from({length: q}, (_, s) => `${s === 0 ? '' : 'else '}if (slot == ${s}) {
          for (int t = 0; t < ${chunk}; t++) {
            int r = start + t;
            if (r >= stop) break;
            acc += ${row(`U${s}`)} * ${row(`V${s}`)};
          }
        }`);
  return {
    variableNames: Array.from({length: q}, (_, s) => [`U${s}`, `V${s}`]).flat(),
    outputShape: flat ? [q * chunks] : [batch, q * chunks, k],
    userCode: `
      void main() {
        ${flat ? 'int at = getOutputCoords();' : 'ivec3 c = getOutputCoords(); int b = c.x; int at = c.y; int j = c.z;'}
        int slot = at / ${chunks};
        int start = (at - slot * ${chunks}) * ${chunk};
        int stop = min(start + ${chunk}, ${n});
        float acc = 0.0;
        ${loops.join(' ')}
        setOutput(acc);
      }`,
  };
}

function secondPass(layout: BlockLayout, q: number, chunks: number): WebglProgram {
  const {flat} = layout;
  return {
    variableNames: ['P'],
    outputShape: slotShape(layout, q),
    userCode: `
      void main() {
        ${flat ? 'int slot = getOutputCoords();' : 'ivec3 c = getOutputCoords(); int b = c.x; int slot = c.y; int j = c.z;'}
        int base = slot * ${chunks};
        float acc = 0.0;
        for (int t = 0; t < ${chunks}; t++) acc += ${flat ? 'getP(base + t)' : 'getP(b, base + t, j)'};
        setOutput(acc);
      }`,
  };
}
