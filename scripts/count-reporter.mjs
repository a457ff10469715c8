// A Node test reporter that only counts leaf tests, so scripts/test.mjs can total several runs.
export default async function* countReporter(source) {
  const counts = { passed: 0, failed: 0, skipped: 0 };
  for await (const event of source) {
    if (event.type !== 'test:pass' && event.type !== 'test:fail') continue;
    if (event.data.details?.type === 'suite') {
      // A suite that fails outside its tests (a failing hook) still counts as a failure.
      if (event.type === 'test:fail' && event.data.details?.error?.failureType !== 'subtestsFailed') counts.failed++;
      continue;
    }
    if (event.data.skip || event.data.todo) counts.skipped++;
    else if (event.type === 'test:pass') counts.passed++;
    else counts.failed++;
    // A running total per line: the last complete line counts even if the process is ended abruptly.
    yield `${JSON.stringify(counts)}\n`;
  }
}
