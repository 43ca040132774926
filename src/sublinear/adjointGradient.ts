/**
 * The implicit gradient of y = cᵀx*, x* = A⁻¹b, from the adjoint λ = A⁻ᵀc:
 * ∂y/∂b = λ and ∂y/∂a_e = −λ[row e]·x*[col e] for every stored entry e, which is nonzero only
 * on the rows in supp(λ): a local adjoint gives a local gradient.
 */
import {HostGradient, accumulate} from './differentiable';
import {HostSystem} from './HostSystem';

/** The gradient for λ on its support (a Map) and x* read where it is needed (`xAt`). */
export function adjointGradient(sys: HostSystem, lambda: Map<number, number>, xAt: (k: number) => number): HostGradient {
  const {rowPtr, rowCol, rowEntry, diagPtr, diagEntry} = sys.layout;
  const values = new Map<number, number>();
  lambda.forEach((l, u) => {
    for (let k = rowPtr[u]; k < rowPtr[u + 1]; k++) accumulate(values, rowEntry[k], -l * xAt(rowCol[k]));
    const xu = diagPtr[u + 1] > diagPtr[u] ? xAt(u) : 0;
    for (let k = diagPtr[u]; k < diagPtr[u + 1]; k++) accumulate(values, diagEntry[k], -l * xu);
  });
  return {values, b: lambda};
}

/** The columns whose x* the gradient needs: supp(λ) and every column its rows touch. */
export function neededColumns(sys: HostSystem, lambda: Map<number, number>): number[] {
  const {rowPtr, rowCol} = sys.layout;
  const needed = new Set<number>();
  lambda.forEach((_, u) => {
    needed.add(u);
    for (let k = rowPtr[u]; k < rowPtr[u + 1]; k++) needed.add(rowCol[k]);
  });
  return [...needed];
}
