import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { PolicyState } from '../api/policy.js';
import {
  complianceCounts,
  effectsByAssignment,
  formatParameters,
  orderStates,
  parseCompliance,
  resourceKind,
  resourcePagePath,
  stateKey,
  whyOf,
} from './policy-states.js';

const computes = 'Microsoft.MachineLearningServices/workspaces/computes';
const state = (resourceId: string, compliance: PolicyState['compliance'], extra: Partial<PolicyState> = {}): PolicyState => ({
  resourceId,
  resourceType: computes,
  workspace: 'prod',
  assignment: 'vnet',
  definition: '7804b5c7-01dc-4723-969b-ae300cc07ff1',
  displayName: 'Azure Machine Learning Computes should be in a virtual network',
  effect: 'audit',
  enforcementMode: 'Default',
  compliance,
  reasons: [],
  note: null,
  ...extra,
});

describe('orderStates', () => {
  it('puts the non-compliant first, then exempt, compliant and not applicable, by resource within each', () => {
    const ordered = orderStates([
      state('/workspaces/prod', 'Compliant'),
      state('/workspaces/prod/computes/b', 'NotApplicable'),
      state('/workspaces/prod/computes/z', 'NonCompliant'),
      state('/workspaces/prod/computes/lab', 'Exempt'),
      state('/workspaces/prod/computes/a', 'NonCompliant'),
    ]);
    assert.deepEqual(
      ordered.map((item) => `${item.compliance} ${item.resourceId}`),
      [
        'NonCompliant /workspaces/prod/computes/a',
        'NonCompliant /workspaces/prod/computes/z',
        'Exempt /workspaces/prod/computes/lab',
        'Compliant /workspaces/prod',
        'NotApplicable /workspaces/prod/computes/b',
      ],
    );
  });
});

describe('complianceCounts', () => {
  it('counts every outcome, zero where none', () => {
    assert.deepEqual(complianceCounts([state('/a', 'NonCompliant'), state('/b', 'NonCompliant'), state('/c', 'Exempt')]), {
      NonCompliant: 2,
      Exempt: 1,
      Compliant: 0,
      NotApplicable: 0,
    });
  });
});

describe('parseCompliance', () => {
  it('reads one of the four outcomes and nothing else', () => {
    assert.equal(parseCompliance('NonCompliant'), 'NonCompliant');
    assert.equal(parseCompliance('noncompliant'), undefined);
    assert.equal(parseCompliance(null), undefined);
  });
});

describe('resourcePagePath', () => {
  it("links computes to their page and endpoints and their deployments to the endpoint's", () => {
    assert.equal(resourcePagePath('prod', '/workspaces/prod/computes/cpu cluster'), '/w/prod/computes/cpu%20cluster');
    assert.equal(resourcePagePath('prod', '/workspaces/prod/onlineEndpoints/iris'), '/w/prod/endpoints/iris');
    assert.equal(resourcePagePath('prod', '/workspaces/prod/onlineEndpoints/iris/deployments/blue'), '/w/prod/endpoints/iris');
  });
  it('has no page for the workspace itself, nor for another workspace', () => {
    assert.equal(resourcePagePath('prod', '/workspaces/prod'), undefined);
    assert.equal(resourcePagePath('prod', '/workspaces/dev/computes/cpu'), undefined);
  });
});

describe('resourceKind', () => {
  it("names Azure's types in a word, the deployment's model apart from the deployment", () => {
    assert.equal(resourceKind(computes), 'compute');
    assert.equal(resourceKind('Microsoft.MachineLearningServices/workspaces'), 'workspace');
    assert.equal(resourceKind('Microsoft.MachineLearningServices/workspaces/onlineEndpoints/deployments'), 'online deployment');
    assert.equal(resourceKind('Microsoft.MachineLearningServices.v2.Data/workspaces/deployments'), "deployment's model");
  });
  it('keys a deployment and its model apart', () => {
    const deployment = state('/workspaces/prod/onlineEndpoints/e/deployments/d', 'Compliant', { resourceType: `${computes}/x` });
    assert.notEqual(
      stateKey(deployment),
      stateKey({ ...deployment, resourceType: 'Microsoft.MachineLearningServices.v2.Data/workspaces/deployments' }),
    );
  });
});

describe('whyOf', () => {
  it('joins what matched for a violation, and gives the note for an exemption or a state that does not apply', () => {
    assert.equal(
      whyOf(state('/a', 'NonCompliant', { reasons: ['subnet.id is not set', 'type is AmlCompute'] })),
      'subnet.id is not set; type is AmlCompute',
    );
    assert.equal(whyOf(state('/a', 'Exempt', { reasons: ['subnet.id is not set'], note: "exempted by 'lab'" })), "exempted by 'lab'");
    assert.equal(whyOf(state('/a', 'NotApplicable', { note: 'Azure private links' })), 'Azure private links');
    assert.equal(whyOf(state('/a', 'Compliant')), '');
  });
});

describe('effectsByAssignment and formatParameters', () => {
  it("reads each assignment's effect from its states, and writes parameters as name=value", () => {
    const effects = effectsByAssignment([state('/a', 'Compliant'), state('/a', 'Compliant', { assignment: 'idle', effect: 'deny' })]);
    assert.deepEqual(
      [...effects],
      [
        ['vnet', 'audit'],
        ['idle', 'deny'],
      ],
    );
    assert.equal(formatParameters({ effect: 'Deny', allowed: ['a', 'b'] }), 'effect=Deny, allowed=["a","b"]');
  });
});
