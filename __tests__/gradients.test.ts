import * as tf from '@tensorflow/tfjs';
import * as ls from '../src';
import {describeEachBackend} from './support/backends';
import {CASES} from '../testing/cases';
import {finiteDifferenceChecks, gradientChecks} from './support/properties';
import {condition, randomVector, solve64, transpose} from '../testing/reference';
import {RTOL, solutionBound} from '../testing/bounds';

describeEachBackend('gradients match the analytic float64 ones', () => {
  for (const check of gradientChecks()) it(check.name, check.run);
});

describeEachBackend('gradients agree with finite differences (loose, float32)', () => {
  for (const check of finiteDifferenceChecks()) it(check.name, check.run);
});

describeEachBackend('a tf.variable captured by a matrix-free matvec gets its gradient', () => {
  it('∂L/∂s = −λᵀx for A = A₀ + s·I, through tf.variableGrads', () => {
    const c = CASES[4];
    const n = c.n;
    const s = tf.variable(tf.scalar(0.7));
    const a0 = tf.tensor2d(Float32Array.from(c.A.data).map((v, i) => (i % (n + 1) === 0 ? v - Math.fround(0.7) : v)), [n, n]);
    const A = ls.matrixFree({
      shape: [n, n], tags: ['symmetric', 'positiveDefinite'],
      matvec: x => tf.add(tf.squeeze(tf.matMul(a0, tf.expandDims(x, 1)), [1]), tf.mul(s, x)),
    });
    const bArr = Float64Array.from(randomVector(n, 51), Math.fround);
    const b = tf.tensor1d(Float32Array.from(bArr));
    const {value, grads} = tf.variableGrads(() => tf.sum(ls.solve(A, b, {method: 'cg', rtol: RTOL})), [s]);
    const x = solve64(c.A, bArr);
    const lambda = solve64(transpose(c.A), new Float64Array(n).fill(1));
    const expected = -lambda.reduce((acc, l, i) => acc + l * x[i], 0);
    const bound = solutionBound(n, condition(c.A), true);
    expect(Math.abs(grads[s.name].dataSync()[0] - expected)).toBeLessThanOrEqual(2 * bound * Math.abs(expected));
    tf.dispose([value, grads[s.name], s, a0, b]);
  });
});
