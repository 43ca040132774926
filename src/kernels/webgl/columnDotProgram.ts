/**
 * Column-wise inner products on WebGL in two passes: the first sums chunks of each column of
 * u∘v (∘w), one fragment per chunk, the second sums the chunk totals — √n-sized work per
 * fragment in both, instead of tfjs's generic reduction over a materialised product.
 */
import * as tf from '@tensorflow/tfjs-core';
import {BlockLayout} from './blockLayout';
import {WebglProgram, runProgram} from './webglEngine';

/**
 * Σᵢ u[b,i,j]·v[b,i,j]·w[b,i] in `layout`'s scalar shape, for u, v in its vector shape and an
 * optional diagonal w (a diagonal preconditioner, so that rᵀ(D r) needs no z = D r of its own).
 */
export function columnDotProgram(layout: BlockLayout, u: tf.Tensor, v: tf.Tensor, w: tf.Tensor | null = null): tf.Tensor {
  if (layout.n === 0) return tf.zeros(layout.scalarShape);
  const chunk = Math.max(8, 2 ** Math.ceil(Math.log2(Math.sqrt(layout.n))));
  const chunks = Math.ceil(layout.n / chunk);
  const partial = runProgram(firstPass(layout, chunk, chunks, w != null), w == null ? [u, v] : [u, v, w]);
  if (chunks === 1) return partial;
  const total = runProgram(secondPass(layout, chunks), [partial]);
  partial.dispose();
  return total;
}

function firstPass(layout: BlockLayout, chunk: number, chunks: number, weighted: boolean): WebglProgram {
  const {flat, batch, k, n} = layout;
  const row = (name: string) => (flat ? `get${name}(r)` : `get${name}(b, r, j)`);
  const weight = !weighted ? '' : flat ? ' * getW(r)' : ' * getW(b, r, 0)';
  return {
    variableNames: weighted ? ['U', 'V', 'W'] : ['U', 'V'],
    outputShape: flat ? [chunks] : [batch, chunks, k],
    userCode: `
      void main() {
        ${layout.coords}
        int start = i * ${chunk};
        int stop = min(start + ${chunk}, ${n});
        float acc = 0.0;
        for (int t = 0; t < ${chunk}; t++) {
          int r = start + t;
          if (r >= stop) break;
          acc += ${row('U')} * ${row('V')}${weight};
        }
        setOutput(acc);
      }`,
  };
}

function secondPass(layout: BlockLayout, chunks: number): WebglProgram {
  return {
    variableNames: ['P'],
    outputShape: layout.scalarShape,
    userCode: `
      void main() {
        ${layout.coords}
        float acc = 0.0;
        for (int t = 0; t < ${chunks}; t++) acc += ${layout.flat ? 'getP(t)' : 'getP(b, t, j)'};
        setOutput(acc);
      }`,
  };
}
