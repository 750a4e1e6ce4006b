// Prints the plain closing line CI reads ("N passed, N failed, N skipped") after jest's own summary,
// preceded by what was skipped: a skipped suite or test carries its reason in its name, "(skipped: …)"
// (describeLab, the mongodb contract suite, the real helm and hadolint checks), so the reason is in the
// output whatever the reporter's verbosity. A skip is listed under the name that gives its reason, else
// under its outermost suite.
class SummaryReporter {
  constructor() {
    this.skipped = new Map();
  }

  onTestResult(_test, testResult) {
    for (const result of testResult.testResults) {
      if (result.status !== 'pending' && result.status !== 'todo') continue;
      const titles = [...result.ancestorTitles, result.title];
      const suite = titles.find((title) => title.includes('(skipped:')) ?? titles[0];
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
