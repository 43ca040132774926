/**
 * Tests run transpile-only: tsconfig.json sets `isolatedModules` (each file compiles on its
 * own, which ts-jest then does without type information); type-checking is `tsc --noEmit`
 * in `npm test`.
 */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/__tests__'],
  testMatch: ['**/__tests__/**/*.test.ts'],
  // WebGPU on SwiftShader takes about 5 minutes: `npm run test:webgpu` runs it.
  testPathIgnorePatterns: ['/node_modules/', '/__tests__/webgpu\\.test\\.ts$'],
  transform: {'^.+\\.ts$': 'ts-jest'},
  testTimeout: 120000,
};
