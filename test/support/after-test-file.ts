import { closeProcessResources } from '../../src/shared/process-resources';

/**
 * Run by test/support/test-environment.js once this test file is done (after its last hook): ends SMO's
 * process-wide resources the file started (see processResource). They are this file's module instances.
 */
(globalThis as Record<symbol, unknown>)[Symbol.for('smo.afterTestFile')] = closeProcessResources;
