import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Recommendation } from '../api/advisor.js';
import type { PolicyState } from '../api/policy.js';
import {
  formatScore,
  nonCompliantResources,
  parsePillar,
  pillarOfRule,
  recommendationCounts,
  recommendationKey,
  recommendationPagePath,
  scoreTone,
} from './advisor-view.js';

const seed = { document: 'WAF', url: 'https://learn.microsoft.com', section: 'Cost', line: 'scale to zero' };
const recommendation = (ruleId: string, pillar: Recommendation['pillar'], name: string): Recommendation => ({
  ruleId,
  pillar,
  severity: 'medium',
  resource: { kind: 'compute', name },
  message: 'min_instances is 1',
  fix: 'set min_instances: 0',
  title: 'Idle cluster',
  kind: 'live',
  why: 'idle nodes cost as much as busy ones',
  seed,
});

describe('parsePillar and pillarOfRule', () => {
  it('reads one of the five pillars and nothing else', () => {
    assert.equal(parsePillar('cost'), 'cost');
    assert.equal(parsePillar('Cost'), undefined);
    assert.equal(parsePillar(null), undefined);
  });
  it("reads a rule's pillar from its id", () => {
    assert.equal(pillarOfRule('TRL-COST-101'), 'cost');
    assert.equal(pillarOfRule('TRL-OPS-103'), 'operations');
    assert.equal(pillarOfRule('TRL-REL-101'), 'reliability');
    assert.equal(pillarOfRule('TRL-XYZ-1'), undefined);
  });
});

describe('formatScore and scoreTone', () => {
  it('writes no score as a dash, not 0%, and colours it quietly', () => {
    assert.equal(formatScore(null), '—');
    assert.equal(scoreTone(null), 'idle');
  });
  it('rounds a score and colours it by how good it is', () => {
    assert.equal(formatScore(66.666), '67%');
    assert.equal(formatScore(0), '0%');
    assert.deepEqual([scoreTone(100), scoreTone(80), scoreTone(79), scoreTone(50), scoreTone(0)], ['ok', 'ok', 'busy', 'busy', 'bad']);
  });
});

describe('recommendationCounts and recommendationKey', () => {
  it('counts every pillar, zero where none, and keys a rule on a resource', () => {
    const items = [recommendation('TRL-COST-101', 'cost', 'a'), recommendation('TRL-COST-101', 'cost', 'b')];
    assert.deepEqual(recommendationCounts(items), { reliability: 0, security: 0, cost: 2, operations: 0, performance: 0 });
    assert.notEqual(recommendationKey(items[0]!), recommendationKey(items[1]!));
  });
});

describe('recommendationPagePath', () => {
  it("links a compute to its page, a deployment to its endpoint's, and the server to nothing", () => {
    assert.equal(recommendationPagePath('prod', { kind: 'compute', name: 'warm pool' }), '/w/prod/computes/warm%20pool');
    assert.equal(recommendationPagePath('prod', { kind: 'online-deployment', name: 'iris/blue' }), '/w/prod/endpoints/iris');
    assert.equal(recommendationPagePath('prod', { kind: 'sweep-job', name: 'sweep-1' }), '/w/prod/jobs/sweep-1');
    assert.equal(recommendationPagePath('prod', { kind: 'server', name: 'trellis' }), undefined);
  });
});

describe('nonCompliantResources', () => {
  const state = (resourceId: string, assignment: string, compliance: PolicyState['compliance']): PolicyState => ({
    resourceId,
    resourceType: 'Microsoft.MachineLearningServices/workspaces/computes',
    workspace: 'prod',
    assignment,
    definition: 'd',
    displayName: null,
    effect: 'audit',
    enforcementMode: 'Default',
    compliance,
    reasons: [],
    note: null,
  });
  it('lists each non-compliant resource once with the assignments it violates, leaving the others out', () => {
    assert.deepEqual(
      nonCompliantResources([
        state('/workspaces/prod/computes/z', 'vnet', 'NonCompliant'),
        state('/workspaces/prod/computes/a', 'vnet', 'NonCompliant'),
        state('/workspaces/prod/computes/a', 'idle', 'NonCompliant'),
        state('/workspaces/prod/computes/b', 'vnet', 'Compliant'),
        state('/workspaces/prod/computes/c', 'vnet', 'Exempt'),
      ]).map((entry) => `${entry.resourceId}: ${entry.assignments.join(', ')}`),
      ['/workspaces/prod/computes/a: idle, vnet', '/workspaces/prod/computes/z: vnet'],
    );
  });
});
