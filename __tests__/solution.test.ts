import * as tf from '@tensorflow/tfjs';
import * as ls from '../src';
import {describeEachBackend} from './support/backends';
import {CASES, Case, Method} from './support/cases';
import {condition, randomVector, relativeError, solve64} from './support/reference';
import {RTOL, solutionBound} from './support/bounds';

const ITERATIVE = new Set<Method>(['cg', 'bicgstab', 'gmres']);

/** x from the library for b of shape [n] or [n, k], flattened row-major. */
function solveWith(c: Case, method: Method, b: Float64Array, k: number) {
  return tf.tidy(() => {
    const params = c.parameters();
    const A = c.build(params);
    const rhs = k === 1 ? tf.tensor1d(Float32Array.from(b)) : tf.tensor2d(Float32Array.from(b), [c.n, k]);
    const result = ls.linearSolve(A, rhs, {method, rtol: RTOL});
    return {x: result.x.dataSync().slice(), status: result.status, residual: result.relativeResidual};
  });
}

describeEachBackend('solution matches a float64 reference', () => {
  for (const c of CASES) {
    const kappa = condition(c.A);
    for (const method of c.methods) {
      for (const k of [1, 3]) {
        it(`${c.name}, ${method}, ${k} right-hand side${k > 1 ? 's' : ''}`, () => {
          const b = Float64Array.from(randomVector(c.n * k, 11), Math.fround);
          const expected = solve64(c.A, b, k);
          const {x, status, residual} = solveWith(c, method, b, k);
          expect(status).toBe('converged');
          expect(relativeError(x, expected)).toBeLessThanOrEqual(solutionBound(c.n, kappa, ITERATIVE.has(method)));
          if (ITERATIVE.has(method)) expect(residual).toBeLessThanOrEqual(RTOL);
        });
      }
    }
  }

  it("'auto' picks Cholesky for tagged SPD and LU otherwise", () => {
    const spd = CASES[1];
    const general = CASES[0];
    const b = tf.ones([spd.n]);
    const pick = (c: Case) => tf.tidy(() => {
      const r = ls.linearSolve(c.build(c.parameters()), b);
      return r.method;
    });
    expect(pick(spd)).toBe('cholesky');
    expect(pick(general)).toBe('lu');
    b.dispose();
  });
});

describeEachBackend('batched systems', () => {
  const batch = [CASES[0].A, CASES[1].A];
  const n = CASES[0].n;
  for (const method of ['lu', 'gmres', 'bicgstab'] as Method[]) {
    for (const k of [1, 2]) {
      it(`[2, n, n] with b [2, n${k > 1 ? ', k' : ''}] by ${method}`, () => {
        const b = Float64Array.from(randomVector(2 * n * k, 5), Math.fround);
        const x = tf.tidy(() => {
          const A = tf.tensor3d(Float32Array.from([...batch[0].data, ...batch[1].data]), [2, n, n]);
          const rhs = k === 1 ? tf.tensor2d(Float32Array.from(b), [2, n]) : tf.tensor3d(Float32Array.from(b), [2, n, k]);
          const result = ls.linearSolve(A, rhs, {method, rtol: RTOL});
          expect(result.status).toBe('converged');
          expect(result.x.shape).toEqual(rhs.shape);
          return result.x.dataSync().slice();
        });
        for (let member = 0; member < 2; member++) {
          const slice = (v: ArrayLike<number>) => Array.prototype.slice.call(v, member * n * k, (member + 1) * n * k);
          const expected = solve64(batch[member], Float64Array.from(slice(b)), k);
          const bound = solutionBound(n, condition(batch[member]), method !== 'lu');
          expect(relativeError(slice(x), expected)).toBeLessThanOrEqual(bound);
        }
      });
    }
  }
});
