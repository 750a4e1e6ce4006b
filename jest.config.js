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
  // A worker's heap grows by each test file's modules (~40 MB an e2e file), which V8 frees only under pressure
  // (modules compiled for --experimental-vm-modules: jestjs/jest#14605, nodejs/node#63186). At 1 GB a worker's
  // exit outlasted Jest's 500 ms ("failed to exit gracefully"); a worker past this limit after a file is replaced.
  workerIdleMemoryLimit: '512MB',
  reporters: ['default', '<rootDir>/test/support/summary-reporter.js'],
};
