/**
 * A conjugate-gradient iteration (Hestenes & Stiefel 1952; Saad, Iterative Methods for Sparse
 * Linear Systems, 2nd ed., Alg. 9.1) as a few WebGL programs after the product A·p: two-pass
 * inner products, and vector updates that compute α and β themselves from the inner products'
 * textures, so no coefficient is read back and no scalar kernels are queued. Five passes over
 * the vectors (pᵀAp, x, r, rᵀz, p; one more for rᵀr when preconditioned) and three one-texel
 * programs, against ~40 tf kernels in the tf-ops step.
 */
import * as tf from '@tensorflow/tfjs-core';
import {CGVectors} from '../FusedKrylov';
import {columnDotProgram} from './columnDotProgram';
import {BlockLayout, asScalar, asVector, blockLayout, reshapeIfNeeded} from './blockLayout';
import {WebglProgram, runProgram} from './webglEngine';

/** GLSL: α of the output's column, as CGSolver computes it (divNoNan, zero on converged columns). */
function alpha(l: BlockLayout): string {
  return `
    float pap = ${l.scalar('PAP')};
    float alpha = pap == 0.0 ? 0.0 : ${l.scalar('RZ')} / pap;
    if (!(${l.scalar('RR')} > ${l.scalar('T2')})) alpha = 0.0;`;
}

/** u ± α v for blocks, α from the scalars (`sign` '+' for x, '-' for r). */
function axpyProgram(l: BlockLayout, sign: '+' | '-'): WebglProgram {
  return {
    variableNames: ['U', 'V', 'RZ', 'PAP', 'RR', 'T2'],
    outputShape: l.vectorShape,
    userCode: `
      void main() {
        ${l.coords}
        ${alpha(l)}
        setOutput(${l.vector('U')} ${sign} alpha * ${l.vector('V')});
      }`,
  };
}

/** p = z + β p with z = D r (or r), β = rz_next / rz (0 where rz = 0). */
function directionProgram(l: BlockLayout, preconditioned: boolean): WebglProgram {
  return {
    variableNames: preconditioned ? ['R', 'P', 'RZN', 'RZ', 'D'] : ['R', 'P', 'RZN', 'RZ'],
    outputShape: l.vectorShape,
    userCode: `
      void main() {
        ${l.coords}
        float rz = ${l.scalar('RZ')};
        float beta = rz == 0.0 ? 0.0 : ${l.scalar('RZN')} / rz;
        float z = ${l.vector('R')}${preconditioned ? ` * ${l.diagonal('D')}` : ''};
        setOutput(z + beta * ${l.vector('P')});
      }`,
  };
}

/** broken = max(broken, active ∧ pᵀap ≤ 0). */
function brokenProgram(l: BlockLayout): WebglProgram {
  return {
    variableNames: ['BR', 'PAP', 'RR', 'T2'],
    outputShape: l.scalarShape,
    userCode: `
      void main() {
        ${l.coords}
        bool indefinite = ${l.scalar('RR')} > ${l.scalar('T2')} && ${l.scalar('PAP')} <= 0.0;
        setOutput(max(${l.scalar('BR')}, indefinite ? 1.0 : 0.0));
      }`,
  };
}

/**
 * Column dots of blocks `[n]`, `[n, k]` or `[B, n, k]`, shaped as columnDot gives them
 * (`[1]`, `[1, k]`, `[B, 1, k]`).
 */
export function fusedColumnDot(u: tf.Tensor, v: tf.Tensor, w: tf.Tensor | null = null): tf.Tensor {
  const l = blockLayout(u);
  return tf.tidy(() => {
    const dot = columnDotProgram(l, asVector(l, u), asVector(l, v), w == null ? null : asVector(l, w, true));
    return reshapeIfNeeded(dot, u.rank === 3 ? [l.batch, 1, l.k] : u.rank === 2 ? [1, l.k] : [1]);
  });
}

/** One CG iteration after ap = A·p (see `FusedKrylov.cgStep`); the caller disposes the old state. */
export function cgStepPrograms(s: CGVectors, ap: tf.Tensor, tol2: tf.Tensor, inverseDiagonal: tf.Tensor | null): CGVectors {
  const l = blockLayout(s.x);
  return tf.tidy(() => {
    const [x, r, p, a] = [s.x, s.r, s.p, ap].map(t => asVector(l, t));
    const [rz, rr, t2, broken] = [s.rz, s.rr, tol2, s.broken].map(t => asScalar(l, t));
    const pap = columnDotProgram(l, p, a);
    const scalars = [rz, pap, rr, t2];
    const nextX = runProgram(axpyProgram(l, '+'), [x, p, ...scalars]);
    const nextR = runProgram(axpyProgram(l, '-'), [r, a, ...scalars]);
    const d = inverseDiagonal == null ? null : asVector(l, inverseDiagonal, true);
    const nextRz = columnDotProgram(l, nextR, nextR, d);
    const nextRr = d == null ? nextRz : columnDotProgram(l, nextR, nextR);
    const nextP = runProgram(directionProgram(l, d != null), d == null ? [nextR, p, nextRz, rz] : [nextR, p, nextRz, rz, d]);
    const nextBroken = runProgram(brokenProgram(l), [broken, pap, rr, t2]);
    const back = (t: tf.Tensor, like: tf.Tensor) => reshapeIfNeeded(t, like.shape);
    const rzOut = back(nextRz, s.rz);
    return {
      x: back(nextX, s.x), r: back(nextR, s.r), p: back(nextP, s.p),
      rz: rzOut, rr: d == null ? rzOut : back(nextRr, s.rr), broken: back(nextBroken, s.broken),
    };
  });
}
