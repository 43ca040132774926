/**
 * Property-based fuzzing (fast-check, fixed seed): every outcome is a correct answer or a
 * LinearSolveError with a code, and nothing leaks. A fast subset here; `npm run fuzz` runs
 * many more cases (LINSOLVE_FUZZ_RUNS) with the same property.
 */
import * as tf from '@tensorflow/tfjs';
import fc from 'fast-check';
import {BACKENDS} from './support/backends';
import {fuzzCase, fuzzParameters, runCase} from './support/fuzz';

const FUZZ_BACKENDS = BACKENDS.filter(b => b === 'cpu' || b === 'tensorflow' || process.env.LINSOLVE_FUZZ_ALL === '1');
const RUNS = 100;

for (const backend of FUZZ_BACKENDS) {
  describe(`fuzz [${backend}]`, () => {
    beforeAll(async () => {
      await tf.setBackend(backend);
      await tf.ready();
    });
    it('random systems, options and bad inputs: a correct answer or a LinearSolveError, and no leak', () => {
      const tally: Record<string, number> = {};
      fc.assert(fc.property(fuzzCase, c => {
        const verdict = runCase(c);
        const key = verdict.kind === 'error' ? `error:${verdict.code}` : `solved:${verdict.status}`;
        tally[key] = (tally[key] ?? 0) + 1;
      }), fuzzParameters(RUNS));
      if (process.env.LINSOLVE_VERBOSE) console.log(backend, JSON.stringify(tally));
      // The generator must reach both sides of the property.
      expect(Object.keys(tally).some(k => k.startsWith('solved'))).toBe(true);
      expect(Object.keys(tally).some(k => k.startsWith('error'))).toBe(true);
    }, Number(process.env.LINSOLVE_FUZZ_TIMEOUT ?? 120000));
  });
}
