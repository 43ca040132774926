import {execFileSync} from 'child_process';
import * as path from 'path';

/**
 * Sparse patterns are cached by their `indices` object and freed when it is collected. A
 * collection needs `node --expose-gc`, so the workload runs in a child process.
 */
describe('sparse pattern cache', () => {
  it('frees the index tensors of patterns whose indices object was garbage-collected', () => {
    const script = path.join(__dirname, 'support', 'patternLeak.script.ts');
    const output = execFileSync(process.execPath,
      ['--expose-gc', '-r', 'ts-node/register/transpile-only', script, '200'],
      {cwd: path.resolve(__dirname, '..'), encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe']});
    const {count, built, left} = JSON.parse(output.trim().split('\n').pop() as string);
    expect(count).toBe(200);
    // Each pattern allocated its index tensors (rows, columns, diagonal slots)…
    expect(built).toBeGreaterThanOrEqual(2 * count);
    // …and after collection at most a few patterns' worth remain (the last few may still be
    // referenced from the stack), not one set per call.
    expect(left).toBeLessThanOrEqual(20);
  }, 60000);
});
