import * as tf from '@tensorflow/tfjs';
import * as ls from '../src';
import {describeEachBackend} from './support/backends';
import {CASES} from './support/cases';

describeEachBackend('no tensor leaks', () => {
  for (const c of CASES) {
    for (const method of c.methods) {
      it(`${c.name}, ${method}: solve, linearSolve and a gradient leave numTensors unchanged`, () => {
        const params = c.parameters();
        const b = tf.ones([c.n, 2]);
        const bVariable = tf.variable(b);
        const A = c.build(params);
        const warmup = ls.solve(A, b, {method});  // lazily built layouts (sparse) belong to A
        warmup.dispose();
        const before = tf.memory().numTensors;

        ls.solve(A, b, {method}).dispose();
        ls.linearSolve(A, b, {method}).x.dispose();
        const grads = tf.grads((bb: tf.Tensor, ...ps: tf.Tensor[]) =>
          tf.sum(ls.solve(c.build(ps), bb, {method})))([b, ...params]);
        tf.dispose(grads);
        const {value, grads: vg} = tf.variableGrads(() => tf.sum(ls.solve(A, bVariable, {method})), [bVariable]);
        tf.dispose([value, ...Object.values(vg)]);

        expect(tf.memory().numTensors).toBe(before);
        tf.dispose([b, bVariable, ...params]);
      });
    }
  }
});
