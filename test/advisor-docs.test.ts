import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { advisorRules } from '../src/core/advisor/advisor-catalogue.js';
import { pillars } from '../src/core/advisor/advisor-rule.js';
import { ruleTable } from './support/advisor-rule-table.js';
import { repositoryRoot } from './support/trellis-process.js';

/** docs/advisor.md lists every rule as the rules themselves say it: its tables are made from the catalogue. */
describe('docs/advisor.md', () => {
  const document = readFileSync(join(repositoryRoot, 'docs', 'advisor.md'), 'utf8');

  it('holds each pillar’s table of rules exactly as the catalogue makes it (regenerate: see test/support/advisor-rule-table.ts)', () => {
    for (const pillar of pillars)
      assert.ok(document.includes(ruleTable(pillar)), `the ${pillar} table differs from:\n${ruleTable(pillar)}`);
  });

  it('names every rule id, and says how many rules there are', () => {
    for (const rule of advisorRules) assert.ok(document.includes(`| ${rule.id} |`), rule.id);
    const live = advisorRules.filter((rule) => rule.kind === 'live').length;
    assert.match(document, new RegExp(`${advisorRules.length} rules: ${advisorRules.length - live} static, ${live} live`));
  });

  it('is linked from the README', () => {
    assert.match(readFileSync(join(repositoryRoot, 'README.md'), 'utf8'), /\[docs\/advisor\.md\]\(docs\/advisor\.md\)/);
  });
});
