// Prints the plain closing line CI reads ("N passed, N failed, N skipped") after jest's own summary,
// preceded by what was skipped: a skipped suite carries its reason in its name (describeLab, the
// mongodb contract suite), so the reason is in the output whatever the reporter's verbosity.
class SummaryReporter {
  constructor() {
    this.skipped = new Map();
  }

  onTestResult(_test, testResult) {
    for (const result of testResult.testResults) {
      if (result.status !== 'pending' && result.status !== 'todo') continue;
      const suite = result.ancestorTitles[0] ?? result.title;
      this.skipped.set(suite, (this.skipped.get(suite) ?? 0) + 1);
    }
  }

  onRunComplete(_contexts, results) {
    for (const [suite, count] of this.skipped) process.stdout.write(`skipped: ${suite} (${count} test${count === 1 ? '' : 's'})\n`);
    const skipped = results.numPendingTests + results.numTodoTests;
    process.stdout.write(`\n${results.numPassedTests} passed, ${results.numFailedTests} failed, ${skipped} skipped\n`);
  }
}
module.exports = SummaryReporter;
