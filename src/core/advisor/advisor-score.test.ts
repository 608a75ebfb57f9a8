import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Check } from './advisor-rule.js';
import { scoreChecks } from './advisor-score.js';

type Scored = Pick<Check, 'pillar' | 'severity' | 'outcome'>;
const check = (pillar: Check['pillar'], severity: Check['severity'], outcome: Check['outcome']): Scored => ({ pillar, severity, outcome });

describe('scoreChecks', () => {
  it('scores a pillar as the severity-weighted share of checks passed (high 3, medium 2, low 1)', () => {
    const score = scoreChecks([check('cost', 'high', 'passed'), check('cost', 'medium', 'failed'), check('cost', 'low', 'passed')]);
    // (3 + 1) / (3 + 2 + 1)
    assert.deepEqual(score.pillars.cost, { score: 66.7, passed: 2, failed: 1, unknown: 0 });
  });

  it('leaves unknown checks out, and gives no score to a pillar with nothing passed or failed', () => {
    const score = scoreChecks([
      check('security', 'high', 'failed'),
      check('security', 'high', 'unknown'),
      check('operations', 'low', 'unknown'),
    ]);
    assert.deepEqual(score.pillars.security, { score: 0, passed: 0, failed: 1, unknown: 1 });
    assert.deepEqual(score.pillars.operations, { score: null, passed: 0, failed: 0, unknown: 1 });
    assert.deepEqual(score.pillars.reliability, { score: null, passed: 0, failed: 0, unknown: 0 });
    assert.equal(score.overall, 0);
  });

  it('makes the overall score the mean of the pillars that have one, as Azure Advisor does', () => {
    // Azure's own example: cost 73, reliability 85, operational excellence 77, performance 100 give 84 (security not assessed).
    const many = (pillar: Check['pillar'], passed: number) =>
      Array.from({ length: 100 }, (_, index) => check(pillar, 'low', index < passed ? 'passed' : 'failed'));
    const score = scoreChecks([...many('cost', 73), ...many('reliability', 85), ...many('operations', 77), ...many('performance', 100)]);
    assert.deepEqual(
      [score.pillars.cost.score, score.pillars.reliability.score, score.pillars.operations.score, score.pillars.performance.score],
      [73, 85, 77, 100],
    );
    assert.equal(score.pillars.security.score, null);
    assert.equal(score.overall, 83.8);
  });

  it('has no overall score when nothing was assessed, and 100 when everything passed', () => {
    assert.equal(scoreChecks([]).overall, null);
    assert.equal(scoreChecks([check('reliability', 'medium', 'passed'), check('performance', 'low', 'passed')]).overall, 100);
  });
});
