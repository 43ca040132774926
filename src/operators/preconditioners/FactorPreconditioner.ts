/**
 * Preconditioners given by triangular factors, M⁻¹ = s·U⁻¹·D·L⁻¹ (D diagonal or the
 * identity), applied by two sparse triangular solves; Mᵀ⁻¹ = s·L⁻ᵀ·D·U⁻ᵀ by the transposed
 * sweeps over the same rows. SSOR, IC(0) and ILU(0) are all of this form (Saad, Iterative
 * Methods for Sparse Linear Systems, 2nd ed., §10.2–10.3).
 */
import {OperatorTag} from '../LinearOperator';
import {HostPreconditioner} from './HostPreconditioner';
import {TriangularFactor, transposedTriangularSolve, triangularSolve} from './triangularSweeps';

/** The factors: lower L, upper U (or `'lowerTransposed'`: U = Lᵀ, as in IC(0)), D, s. */
export interface Factors {
  lower: TriangularFactor;
  upper: TriangularFactor | 'lowerTransposed';
  middle: Float64Array | null;
  scale: number;
}

/** M = (s·U⁻¹·D·L⁻¹) as an operator: the product applies M ≈ A⁻¹ to residuals. */
export class FactorPreconditioner extends HostPreconditioner {
  /** 'ssor', 'ic0' or 'ilu0'. */
  readonly method: string;
  /** @internal */
  readonly factors: Factors;

  /** @internal Built by `ls.ssor`, `ls.ic0`, `ls.ilu0` or a named `preconditioner`. */
  constructor(method: string, factors: Factors, tags: readonly OperatorTag[], transposed = false) {
    super(factors.lower.n, tags, transposed);
    this.method = method;
    this.factors = factors;
  }

  applyColumn(y: Float64Array, transposed: boolean): void {
    const {lower, upper, middle, scale} = this.factors;
    if (!transposed) {
      triangularSolve(lower, y);
      if (middle != null) for (let i = 0; i < y.length; i++) y[i] *= middle[i];
      if (upper === 'lowerTransposed') transposedTriangularSolve(lower, y);
      else triangularSolve(upper, y);
    } else {
      if (upper === 'lowerTransposed') triangularSolve(lower, y);
      else transposedTriangularSolve(upper, y);
      if (middle != null) for (let i = 0; i < y.length; i++) y[i] *= middle[i];
      transposedTriangularSolve(lower, y);
    }
    if (scale !== 1) for (let i = 0; i < y.length; i++) y[i] *= scale;
  }

  /** @internal */
  protected withTransposed(transposed: boolean): HostPreconditioner {
    return new FactorPreconditioner(this.method, this.factors, this.tags, transposed);
  }
}
