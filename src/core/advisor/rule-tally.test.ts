import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Check } from './advisor-rule.js';
import { tallyByRule } from './rule-tally.js';

const rules = [
  { id: 'TRL-REL-001', pillar: 'reliability', severity: 'high' },
  { id: 'TRL-SEC-001', pillar: 'security', severity: 'medium' },
  { id: 'TRL-COST-001', pillar: 'cost', severity: 'low' },
] as const;
const check = (ruleId: string, outcome: Check['outcome']) => ({ ruleId, outcome });

describe('tallyByRule', () => {
  it("counts each rule's checks by outcome, in the rules' order, and names the rules that applied to nothing", () => {
    const tallies = tallyByRule(
      [
        check('TRL-COST-001', 'failed'),
        check('TRL-REL-001', 'passed'),
        check('TRL-REL-001', 'passed'),
        check('TRL-REL-001', 'unknown'),
        check('TRL-COST-001', 'passed'),
      ],
      rules,
    );
    assert.deepEqual(tallies, {
      rules: [
        { ruleId: 'TRL-REL-001', pillar: 'reliability', severity: 'high', passed: 2, failed: 0, unknown: 1 },
        { ruleId: 'TRL-COST-001', pillar: 'cost', severity: 'low', passed: 1, failed: 1, unknown: 0 },
      ],
      notApplicable: ['TRL-SEC-001'],
    });
  });

  it('counts no check of a rule it was not given', () => {
    assert.deepEqual(tallyByRule([check('TRL-OPS-001', 'failed')], rules), {
      rules: [],
      notApplicable: ['TRL-REL-001', 'TRL-SEC-001', 'TRL-COST-001'],
    });
  });
});
