/** The dependency-direction check that `npm test` runs (scripts/check-layers.js), and that it bites. */
// eslint-disable-next-line @typescript-eslint/no-var-requires
const {violations} = require('../scripts/check-layers.js') as {violations(files: Record<string, string>): string[]};

describe('dependency direction (scripts/check-layers.js)', () => {
  it('accepts imports that point down the layers or go through the public API', () => {
    expect(violations({
      'src/index.ts': "export * from './solvers/Solver';",
      'src/core/tape.ts': "import * as tf from '@tensorflow/tfjs';",
      'src/kernels/index.ts': "import {customOp} from '../core/tape';",
      'src/solvers/Solver.ts': "import {kernels} from '../kernels';",
      'src/layers/SolveLayer.ts': "import * as ls from '../index';\nimport {helper} from './helper';",
      'src/layers/helper.ts': '',
      'bench/x.ts': "import * as ls from '../src';\nimport {CASES} from '../testing/cases';",
      'testing/cases.ts': "import * as ls from '../src';",
    })).toEqual([]);
  });

  it('rejects a lower layer importing a higher one, and code above solve reaching into internals', () => {
    const found = violations({
      'src/index.ts': '',
      'src/core/tape.ts': "import {kernels} from '../kernels';",
      'src/kernels/index.ts': '',
      'src/operators/Dense.ts': "import type {Solver} from '../solvers/Solver';",
      'src/solvers/Solver.ts': '',
      'src/ode/odeint.ts': "import {LUSolver} from '../solvers/direct/LUSolver';",
      'src/solvers/direct/LUSolver.ts': '',
      'bench/x.ts': "import {luFactor} from '../src/kernels';",
    });
    expect(found).toHaveLength(4);
    expect(found.join('\n')).toMatch(/src\/core\/tape\.ts \(core\) imports src\/kernels\/index\.ts/);
    expect(found.join('\n')).toMatch(/src\/operators\/Dense\.ts .* imports src\/solvers\/Solver\.ts/);
    expect(found.join('\n')).toMatch(/src\/ode\/odeint\.ts imports src\/solvers\/direct\/LUSolver\.ts: src\/ode may import only src\/coreApi\.ts/);
    expect(found.join('\n')).toMatch(/bench\/x\.ts imports src\/kernels\/index\.ts/);
  });

  it('holds for this repository', () => {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const {execFileSync} = require('child_process');
    expect(() => execFileSync(process.execPath, [require.resolve('../scripts/check-layers.js')], {stdio: 'pipe'})).not.toThrow();
  });
});
