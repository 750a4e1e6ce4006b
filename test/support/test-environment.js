// Jest's node environment, plus clean-up once a test file is done — after its last afterAll, which a hook of a
// setup file cannot follow. Jest loads SMO's modules afresh for each test file, so what they start once per
// process is started once per file in a Jest worker; left running, it kept every file's modules in memory (a
// worker's heap passed 1 GB over test/e2e) and made the worker's exit outlast Jest's limit ("A worker process
// has failed to exit gracefully and has been force exited").
const { performance, PerformanceObserver } = require('node:perf_hooks');
const { TestEnvironment } = require('jest-environment-node');

const AFTER_TEST_FILE = Symbol.for('smo.afterTestFile');

// The performance observers a test file's code starts. prom-client's default GC metric (every SMO app's Metrics)
// never disconnects its own (prometheus/client_js#500), and the observer holds the file's modules.
const observing = new Set();
const OBSERVE = Symbol.for('smo.observeTracked');
if (!PerformanceObserver.prototype[OBSERVE]) {
  const observe = PerformanceObserver.prototype.observe;
  PerformanceObserver.prototype.observe = function (...args) {
    observing.add(this);
    return observe.apply(this, args);
  };
  PerformanceObserver.prototype[OBSERVE] = true;
}

class SmoTestEnvironment extends TestEnvironment {
  async teardown() {
    // SMO's process-wide resources this file's modules started (test/support/after-test-file.ts).
    const afterTestFile = this.global[AFTER_TEST_FILE];
    if (typeof afterTestFile === 'function') await afterTestFile();
    for (const observer of observing) observer.disconnect();
    observing.clear();
    // fetch's resource timing entries (a process-wide buffer of up to 250) hold the file's modules too.
    performance.clearResourceTimings();
    await super.teardown();
  }
}

module.exports = SmoTestEnvironment;
