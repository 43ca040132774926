/**
 * The taped steps of the truncated adjoint: damped preconditioned Richardson iteration
 * (Saad, Iterative Methods for Sparse Linear Systems, 2nd ed., §4.1) for SPD A, and
 * Landweber iteration on the preconditioned normal equations (Landweber 1951; Saad §8.2) for
 * any other A. The damping ω = 1/(1.1·λ̂), with λ̂ ≈ λmax of the iteration's operator from a
 * few power iterations off the tape (Golub & Van Loan, 4th ed., §8.2.1), keeps the spectral
 * radius of the step's error map below 1 whatever A's diagonal dominance.
 */
import {isPreconditionerSpec, spdForSpdA} from '../solvers/krylov/builtinPreconditioner';
import * as tf from '@tensorflow/tfjs';
import {LinearOperator} from '../operators/LinearOperator';
import {Solver, SolverOptions} from '../solvers/Solver';
import {IterativeState, initIterative} from '../solvers/krylov/iterative';
import {columnNorm, divide} from '../solvers/linalg';
import {offTape} from '../core/tape';

/**
 * 'richardson': x ← x + ω·M(b − Ax), for SPD A and SPD M, error map I − ωMA with eigenvalues
 * in [0, 1 − 1/(1.1·κ(MA))].
 * 'normal': x ← x + ω·AᵀMᵀM(b − Ax), steepest-descent-free Landweber on M A x = M b, error map
 * I − ωAᵀMᵀMA (symmetric) with eigenvalues in [0, 1 − 1/(1.1·κ(MA)²)], for any nonsingular A, M.
 */
export type TruncatedFormulation = 'richardson' | 'normal';

/** Power iterations for λ̂; each is one product with the iteration's operator. */
const POWER_ITERATIONS = 30;
/** ω = 1/(SAFETY·λ̂): the power estimate approaches λmax from below. */
const SAFETY = 1.1;

/**
 * 'richardson' only where A is promised SPD (tags, or a method that requires it) and M is
 * diag(A)⁻¹ (positive for SPD A), none, or an operator tagged symmetric positive definite.
 */
export function chooseFormulation(operator: LinearOperator, solver: Solver,
    preconditioner: SolverOptions['preconditioner']): TruncatedFormulation {
  const spdA = (operator.hasTag('symmetric') && operator.hasTag('positiveDefinite')) ||
    solver.name === 'cg' || solver.name === 'cholesky';
  const p = preconditioner;
  const spdM = p == null || (isPreconditionerSpec(p) ? spdForSpdA(p) : (p.hasTag('symmetric') && p.hasTag('positiveDefinite')));
  return spdA && spdM ? 'richardson' : 'normal';
}

/** The taped steps, with their operator and damping, set up before the forward solve runs. */
export class TruncatedSteps {
  private readonly transposed: IterativeState | null;

  /**
   * Builds the preconditioner (and, for 'normal', Aᵀ and Mᵀ: a missing transpose throws a
   * LinearSolveError here, before any work). Free with `dispose`.
   */
  constructor(private readonly state: IterativeState, readonly formulation: TruncatedFormulation) {
    this.transposed = formulation === 'normal' ? state.transpose() : null;
  }

  static create(operator: LinearOperator, solver: Solver, options: SolverOptions): TruncatedSteps {
    const formulation = chooseFormulation(operator, solver, options.preconditioner);
    const state = initIterative(operator, {...options, preconditioner: options.preconditioner ?? 'jacobi'});
    try {
      return new TruncatedSteps(state, formulation);
    } catch (error) {
      tf.dispose(state.tensors);
      throw error;
    }
  }

  dispose(): void {
    tf.dispose(this.state.tensors);
  }

  /** The direction the step scales by ω, for residual r = b − Ax. */
  private direction(r: tf.Tensor): tf.Tensor {
    const z = this.state.precondition(r);
    if (this.transposed == null) return z;
    return this.transposed.operator.apply(this.transposed.precondition(z));
  }

  /** v ↦ the operator whose spectrum the step contracts: MA, or AᵀMᵀMA. */
  private iterationOperator(v: tf.Tensor): tf.Tensor {
    return this.direction(this.state.operator.apply(v));
  }

  /**
   * ω per batch member `[..., 1, 1]`, off the tape: 1/(1.1·λ̂) with λ̂ from power iterations
   * on a fixed pseudo-random start (the same on every call, so a training step is repeatable).
   */
  damping(like: tf.Tensor): tf.Tensor {
    return offTape(() => {
      const shape = [...like.shape.slice(0, -1), 1];
      let v = tf.tidy(() => {
        const start = tf.randomUniform(shape, -1, 1, 'float32', 17);
        return divide(start, columnNorm(start));
      });
      let estimate = tf.zeros([...shape.slice(0, -2), 1, 1]);
      for (let i = 0; i < POWER_ITERATIONS; i++) {
        const next = tf.tidy(() => {
          const w = this.iterationOperator(v);
          const size = columnNorm(w);
          return {v: divide(w, size), size};
        });
        tf.dispose([v, estimate]);
        v = next.v;
        estimate = next.size;
      }
      const omega = tf.tidy(() => divide(tf.onesLike(estimate), tf.mul(estimate, SAFETY)));
      tf.dispose([v, estimate]);
      return omega;
    });
  }

  /** k taped steps x ← x + ω·direction(b − Ax) from x0 (a constant: the certified solution). */
  run(x0: tf.Tensor, b: tf.Tensor, steps: number): tf.Tensor {
    return tf.tidy(() => {
      const omega = this.damping(b);
      let x = x0;
      for (let i = 0; i < steps; i++) {
        x = tf.add(x, tf.mul(omega, this.direction(tf.sub(b, this.state.operator.apply(x)))));
      }
      return x;
    });
  }
}
