#!/usr/bin/env node
/**
 * npm run fuzz: the property-based fuzzer with many cases and the 10,000-step soak.
 * LINSOLVE_FUZZ_RUNS (default 2000 per backend), LINSOLVE_FUZZ_SEED (default fixed),
 * LINSOLVE_SOAK_STEPS (default 10000), LINSOLVE_FUZZ_ALL=1 adds wasm.
 */
const {spawnSync} = require('child_process');
const path = require('path');

const env = {
  ...process.env,
  LINSOLVE_FUZZ_RUNS: process.env.LINSOLVE_FUZZ_RUNS ?? '2000',
  LINSOLVE_SOAK_STEPS: process.env.LINSOLVE_SOAK_STEPS ?? '10000',
  LINSOLVE_FUZZ_TIMEOUT: process.env.LINSOLVE_FUZZ_TIMEOUT ?? String(4 * 3600 * 1000),
  LINSOLVE_VERBOSE: process.env.LINSOLVE_VERBOSE ?? '1',
};
const jest = path.join(__dirname, '..', 'node_modules', 'jest', 'bin', 'jest.js');
const result = spawnSync(process.execPath, ['--expose-gc', jest, '__tests__/fuzz.test.ts', '__tests__/soak.test.ts', '--runInBand'],
  {stdio: 'inherit', env, cwd: path.join(__dirname, '..')});
process.exit(result.status ?? 1);
