/**
 * `npm run test:karmada`: the e2e suite against the real Karmada lab (scripts/karmada-lab.sh), one file
 * at a time (the files share the lab's clusters). SMO_KARMADA_SUITE=required makes a missing lab a failure;
 * under the main config (`npm test`) the same files are skipped with the reason when no lab is up.
 */
const main = require('./jest.config.js');

module.exports = {
  testEnvironment: main.testEnvironment,
  setupFilesAfterEnv: main.setupFilesAfterEnv,
  transform: main.transform,
  roots: ['<rootDir>/test/karmada'],
  testMatch: ['**/*.lab.spec.ts'],
  testTimeout: 300000,
  maxWorkers: 1,
  reporters: main.reporters,
};
