// A node:test reporter that says, at the end of a run, what was skipped and why: one line per
// reason with how many tests (or whole suites) it skipped and in which files. scripts/run-tests.mjs
// runs it beside the spec reporter, writing to a file it prints after the run.
import { relative } from 'node:path';

/**
 * @param {AsyncIterable<{ type: string, data: { name: string, file?: string, skip?: boolean | string, details?: { type?: string } } }>} source
 * @returns {AsyncGenerator<string, void, unknown>}
 */
export default async function* skipSummary(source) {
  /** @type {Map<string, { tests: number, suites: number, files: Set<string> }>} */
  const reasons = new Map();
  for await (const event of source) {
    if (event.type !== 'test:pass' && event.type !== 'test:fail') continue;
    const { skip, file, details } = event.data;
    if (skip === undefined || skip === false) continue;
    const reason = typeof skip === 'string' && skip.trim() ? skip.trim() : '(no reason given)';
    const entry = reasons.get(reason) ?? { tests: 0, suites: 0, files: new Set() };
    if (details?.type === 'suite') entry.suites++;
    else entry.tests++;
    if (file) entry.files.add(relative(process.cwd(), file));
    reasons.set(reason, entry);
  }
  if (reasons.size === 0) {
    yield 'Skipped: nothing.\n';
    return;
  }
  const count = (n, what) => (n === 0 ? [] : [`${n} ${what}${n === 1 ? '' : 's'}`]);
  const total = [...reasons.values()].reduce((sum, entry) => ({ tests: sum.tests + entry.tests, suites: sum.suites + entry.suites }), {
    tests: 0,
    suites: 0,
  });
  yield `Skipped: ${[...count(total.tests, 'test'), ...count(total.suites, 'whole suite')].join(' and ')}, for ${reasons.size} reason${reasons.size === 1 ? '' : 's'}:\n`;
  for (const [reason, entry] of [...reasons].sort(([a], [b]) => a.localeCompare(b))) {
    const what = [...count(entry.tests, 'test'), ...count(entry.suites, 'suite')].join(' and ');
    yield `  ${what} skipped: ${reason} (${[...entry.files].sort().join(', ')})\n`;
  }
}
