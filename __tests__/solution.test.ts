import * as tf from '@tensorflow/tfjs';
import * as ls from '../src';
import {describeEachBackend} from './support/backends';
import {CASES, Case} from '../testing/cases';
import {autoChecks, batchChecks, solutionChecks, sparseBatchChecks} from './support/properties';

describeEachBackend('solution matches a float64 reference', backend => {
  for (const check of solutionChecks(backend)) it(check.name, check.run);

  it("'auto' picks Cholesky for tagged SPD and LU otherwise", () => {
    const pick = (c: Case) => tf.tidy(() => ls.linearSolve(c.build(c.parameters()), tf.ones([c.n])).method);
    expect(pick(CASES[1])).toBe('cholesky');
    expect(pick(CASES[0])).toBe('lu');
  });
});

describeEachBackend("'auto' picks by the solvers' capabilities", backend => {
  for (const check of autoChecks(backend)) it(check.name, check.run);
});

describeEachBackend('batched systems', () => {
  for (const check of batchChecks()) it(check.name, check.run);
  for (const check of sparseBatchChecks()) it(check.name, check.run);
});
