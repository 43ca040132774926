/**
 * Tests run transpile-only: tsconfig.json sets `isolatedModules` (each file compiles on its
 * own, which ts-jest then does without type information); type-checking is `tsc --noEmit`
 * in `npm test`.
 */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/__tests__'],
  testMatch: ['**/__tests__/**/*.test.ts'],
  transform: {'^.+\\.ts$': 'ts-jest'},
  testTimeout: 120000,
};
