/** Jest runs the TypeScript sources through ts-jest (transpile only; `npm run lint` type-checks). */
module.exports = {
  // Node's, plus the end of SMO's process-wide resources after each test file (see the file).
  testEnvironment: '<rootDir>/test/support/test-environment.js',
  setupFilesAfterEnv: ['<rootDir>/test/support/after-test-file.ts'],
  roots: ['<rootDir>/src', '<rootDir>/projections', '<rootDir>/test'],
  testMatch: ['**/*.spec.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json', diagnostics: false }],
  },
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  testTimeout: 30000,
  maxWorkers: 2,
  reporters: ['default', '<rootDir>/test/support/summary-reporter.js'],
};
