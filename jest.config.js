/** Tests run transpile-only (type-checking is `tsc --noEmit` in `npm test`). */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/__tests__'],
  testMatch: ['**/__tests__/**/*.test.ts'],
  transform: {'^.+\\.ts$': ['ts-jest', {isolatedModules: true}]},
  testTimeout: 120000,
};
