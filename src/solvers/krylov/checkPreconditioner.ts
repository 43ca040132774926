import {LinearOperator} from '../../operators/LinearOperator';
import {LinearSolveError} from '../../core/LinearSolveError';

/** A preconditioner operator M ≈ A⁻¹ must have A's size (and batch), or a 'shape' error. */
export function checkPreconditioner(m: LinearOperator, operator: LinearOperator): LinearOperator {
  const n = operator.shape[0];
  if (m.shape[0] !== n || m.shape[1] !== n || (m.batchSize != null && m.batchSize !== operator.batchSize)) {
    throw new LinearSolveError('shape',
      `preconditioner is ${m.batchSize == null ? '' : `a batch of ${m.batchSize} `}${m.shape[0]}×${m.shape[1]}, ` +
      `but A is ${operator.batchSize == null ? '' : `a batch of ${operator.batchSize} `}${n}×${n}: M ≈ A⁻¹ must match A.`);
  }
  return m;
}
