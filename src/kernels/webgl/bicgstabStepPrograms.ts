/**
 * A BiCGStab iteration (van der Vorst 1992; Saad, Iterative Methods for Sparse Linear Systems,
 * 2nd ed., Alg. 7.7), right-preconditioned, as WebGL programs around the two products: vector
 * updates that compute α = ρ/σ, ω = tᵀh/tᵀt and β = (ρ'/ρ)(α/ω) themselves from the inner
 * products' textures, and inner products that share passes (`columnDotsProgram`), so nothing
 * is read back and no scalar kernel is queued. Per iteration: p, h, r, x (four vector
 * programs), σ, (tᵀh, tᵀt, hᵀh), (rᵀr, r̂ᵀr) (three two-pass products) and the breakdown flag
 * (one texel), against ~60 tf kernels in the tf-ops step.
 *
 * Columns whose residual met the threshold keep x and r (as BiCGStabSolver's `tf.where`); their
 * p, v and scalars go on changing, harmlessly: such a column stays inactive until the loop
 * restarts the recurrence from x, which resets them.
 */
import * as tf from '@tensorflow/tfjs-core';
import {BiCGStabVectors} from '../FusedKrylov';
import {BlockLayout, asScalar, asVector, blockLayout, reshapeIfNeeded} from './blockLayout';
import {columnDotsProgram, slotScalar, slotShape} from './columnDotsProgram';
import {WebglProgram, runProgram} from './webglEngine';

/** GLSL a / b, or 0 where b = 0 (BiCGStabSolver's `divide`, divNoNan off the tape). */
const DIV_NO_NAN = 'float divNoNan(float a, float b) { return b == 0.0 ? 0.0 : a / b; }';

/** GLSL: ρ' (this step's r̂ᵀr), σ' and α' = ρ'/σ' of the output's column. */
function alphaOf(l: BlockLayout): string {
  return `
    float rhoNext = ${slotScalar(l, 'RS', 1)};
    float alphaNext = divNoNan(rhoNext, ${slotScalar(l, 'SIG', 0)});`;
}

/** GLSL: ω' = tᵀh / tᵀt of this step. */
function omegaOf(l: BlockLayout): string {
  return `float omegaNext = divNoNan(${slotScalar(l, 'TH', 0)}, ${slotScalar(l, 'TH', 1)});`;
}

/** GLSL: whether the column was still iterating (‖r‖² above the squared threshold). */
function activeOf(l: BlockLayout): string {
  return `bool iterating = ${slotScalar(l, 'RS', 0)} > ${l.scalar('T2')};`;
}

function program(l: BlockLayout, variableNames: string[], outputShape: number[], body: string): WebglProgram {
  return {variableNames, outputShape, userCode: `
    ${DIV_NO_NAN}
    void main() {
      ${l.coords}
      ${body}
    }`};
}

/** p' = r + β (p − ω v), β = (ρ'/ρ)(α/ω) from the previous step's ρ, σ, tᵀh, tᵀt. */
function directionProgram(l: BlockLayout): WebglProgram {
  return program(l, ['R', 'P', 'V', 'RS', 'RSP', 'SIG', 'TH'], l.vectorShape, `
      float rho = ${slotScalar(l, 'RSP', 1)};
      float alpha = divNoNan(rho, ${slotScalar(l, 'SIG', 0)});
      float omega = divNoNan(${slotScalar(l, 'TH', 0)}, ${slotScalar(l, 'TH', 1)});
      float beta = divNoNan(${slotScalar(l, 'RS', 1)}, rho) * divNoNan(alpha, omega);
      setOutput(${l.vector('R')} + beta * (${l.vector('P')} - omega * ${l.vector('V')}));`);
}

/** h = r − α' v'. */
function halfProgram(l: BlockLayout): WebglProgram {
  return program(l, ['R', 'V', 'RS', 'SIG'], l.vectorShape, `
      ${alphaOf(l)}
      setOutput(${l.vector('R')} - alphaNext * ${l.vector('V')});`);
}

/** r' = h − ω' t on active columns, r elsewhere. */
function residualProgram(l: BlockLayout): WebglProgram {
  return program(l, ['H', 'T', 'TH', 'R', 'RS', 'T2'], l.vectorShape, `
      ${activeOf(l)}
      ${omegaOf(l)}
      setOutput(iterating ? ${l.vector('H')} - omegaNext * ${l.vector('T')} : ${l.vector('R')});`);
}

/** x' = x + (α' p̂ + ω' ŝ) on active columns, x elsewhere. */
function solutionProgram(l: BlockLayout): WebglProgram {
  return program(l, ['X', 'PH', 'SH', 'RS', 'SIG', 'TH', 'T2'], l.vectorShape, `
      ${activeOf(l)}
      ${alphaOf(l)}
      ${omegaOf(l)}
      float x = ${l.vector('X')};
      setOutput(iterating ? x + (alphaNext * ${l.vector('PH')} + omegaNext * ${l.vector('SH')}) : x);`);
}

/**
 * broken = max(broken, active ∧ (ρ' = 0 ∨ σ' = 0 ∨ (ω' = 0 ∧ ‖h‖ above the threshold))):
 * a column whose half-step residual already meets the tolerance may stop with ω' = 0.
 */
function brokenProgram(l: BlockLayout): WebglProgram {
  return program(l, ['BR', 'RS', 'SIG', 'TH', 'T2'], l.scalarShape, `
      ${activeOf(l)}
      ${omegaOf(l)}
      bool halfDone = ${slotScalar(l, 'TH', 2)} <= ${l.scalar('T2')};
      bool zero = ${slotScalar(l, 'RS', 1)} == 0.0 || ${slotScalar(l, 'SIG', 0)} == 0.0 || (omegaNext == 0.0 && !halfDone);
      setOutput(max(${l.scalar('BR')}, iterating && zero ? 1.0 : 0.0));`);
}

/** The state restarted from x with residual r (see `FusedKrylov.bicgstabStart`), in the programs' layout. */
export function bicgstabStartPrograms(x: tf.Tensor, r: tf.Tensor): BiCGStabVectors {
  const l = blockLayout(x);
  return tf.tidy(() => {
    const [xv, rv] = [x, r].map(t => asVector(l, t));
    return {
      x: xv, r: rv, shadow: tf.clone(rv), p: tf.zerosLike(rv), v: tf.zerosLike(rv),
      rs: columnDotsProgram(l, [[rv, rv], [rv, rv]]),
      rsPrev: tf.ones(slotShape(l, 2)), sigma: tf.ones(slotShape(l, 1)), thtt: tf.ones(slotShape(l, 3)),
      broken: tf.zeros(slotShape(l, 1)),
    };
  });
}

/**
 * One BiCGStab iteration (see `FusedKrylov.bicgstabStep`); the caller disposes the old state.
 * M = diag(`inverseDiagonal`) or the identity.
 */
export function bicgstabStepPrograms(s: BiCGStabVectors, apply: (v: tf.Tensor) => tf.Tensor, tol2: tf.Tensor,
    inverseDiagonal: tf.Tensor | null): BiCGStabVectors {
  const l = blockLayout(s.x);
  return tf.tidy(() => {
    const t2 = asScalar(l, tol2);
    const d = inverseDiagonal == null ? null : asVector(l, inverseDiagonal, true);
    const p = runProgram(directionProgram(l), [s.r, s.p, s.v, s.rs, s.rsPrev, s.sigma, s.thtt]);
    const pHat = d == null ? p : tf.mul(d, p);
    const v = apply(pHat);
    const sigma = columnDotsProgram(l, [[s.shadow, v]]);
    const h = runProgram(halfProgram(l), [s.r, v, s.rs, sigma]);
    const sHat = d == null ? h : tf.mul(d, h);
    const t = apply(sHat);
    const thtt = columnDotsProgram(l, [[t, h], [t, t], [h, h]]);
    const r = runProgram(residualProgram(l), [h, t, thtt, s.r, s.rs, t2]);
    const x = runProgram(solutionProgram(l), [s.x, pHat, sHat, s.rs, sigma, thtt, t2]);
    const broken = runProgram(brokenProgram(l), [s.broken, s.rs, sigma, thtt, t2]);
    const rs = columnDotsProgram(l, [[r, r], [s.shadow, r]]);
    return {x, r, shadow: s.shadow, p, v, rs, rsPrev: s.rs, sigma, thtt, broken};
  });
}

/** rᵀr of the state (slot 0 of `rs`), shaped like `like`. */
export function bicgstabResidualPrograms(s: BiCGStabVectors, like: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const rr = s.rs.rank === 1 ? tf.slice(s.rs, [0], [1]) : tf.slice(s.rs, [0, 0, 0], [-1, 1, -1]);
    return reshapeIfNeeded(rr, like.shape);
  });
}
