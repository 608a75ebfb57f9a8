import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isTrellisError } from '../errors.js';
import { applyModifications, compilePolicy, evaluatePolicy } from './evaluate-policy.js';
import { compare } from './policy-comparison.js';
import { parsePolicyDefinition, resolveParameterValues } from './policy-definition.js';
import { computeType, type PolicyTarget } from './policy-target.js';

const facts = { listensOnLoopbackOnly: true };

function definition(rule: { if: unknown; then: unknown }, parameters: Record<string, unknown> = {}) {
  return parsePolicyDefinition({ properties: { mode: 'All', parameters, policyRule: rule } }, { name: 'custom', what: 'custom.json' });
}

function problemsOf(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    assert.ok(isTrellisError(error));
    assert.ok(error.status === 422, `status ${error.status}`);
    return error.message;
  }
  assert.fail('expected a 422');
}

const cluster = (spec: Record<string, unknown>, tags: Record<string, string> = {}): PolicyTarget => ({
  type: computeType,
  workspace: 'dev',
  name: 'cpu',
  tags,
  spec: { type: 'amlcompute', ...spec },
});

describe('policy definitions: bad input is refused naming the problem', () => {
  it('an unknown condition, an unknown alias and an unknown effect, all at once', () => {
    const message = problemsOf(() =>
      compilePolicy(
        definition({
          if: {
            allOf: [
              { field: 'type', equal: 'x' },
              { field: 'Microsoft.MachineLearningServices/workspaces/computes/idleTimeBeforeShutdwn', exists: false },
            ],
          },
          then: { effect: 'Audits' },
        }),
      ),
    );
    assert.match(message, /policyRule\.if\.allOf\[0\]\.equal: unknown condition 'equal'; did you mean 'equals'\?/);
    assert.match(message, /unknown field or alias '.*idleTimeBeforeShutdwn'; did you mean '.*idleTimeBeforeShutdown'\?/);
    assert.match(message, /'Audits' is not a policy effect; did you mean 'audit'\?/);
  });

  it('a parameter the rule uses but does not declare, and a bad parameter type', () => {
    assert.match(
      problemsOf(() => compilePolicy(definition({ if: { field: 'name', equals: "[parameters('wanted')]" }, then: { effect: 'audit' } }))),
      /uses parameter 'wanted', which 'parameters' does not declare/,
    );
    assert.match(
      problemsOf(() => definition({ if: { field: 'name', equals: 'a' }, then: { effect: 'audit' } }, { effect: { type: 'Strnig' } })),
      /properties\.parameters\.effect\.type: 'Strnig' is not a parameter type/,
    );
  });

  it('assignment values: undeclared, missing without default, wrong type, outside allowedValues', () => {
    const parsed = definition(
      { if: { field: 'name', equals: "[parameters('names')]" }, then: { effect: "[parameters('effect')]" } },
      {
        effect: { type: 'String', allowedValues: ['Audit', 'Deny'], defaultValue: 'Audit' },
        names: { type: 'Array' },
      },
    );
    assert.deepEqual(resolveParameterValues(parsed, { names: ['a'], effect: { value: 'deny' } }), {
      values: { names: ['a'], effect: 'deny' },
      problems: [],
    });
    const messages = (assigned: Record<string, unknown>) =>
      resolveParameterValues(parsed, assigned).problems.map((problem) => problem.message);
    assert.deepEqual(messages({}), ["parameter 'names' (Array) has no default; give it a value"]);
    assert.deepEqual(messages({ names: 'a' }), [`parameter 'names' must be an Array, not "a"`]);
    assert.deepEqual(messages({ names: [], effect: 'Modify' }), [`parameter 'effect' is "Modify"; allowed: "Audit", "Deny"`]);
    assert.deepEqual(messages({ names: [], efect: 'Deny' }), [
      "the definition has no parameter 'efect'; did you mean 'effect'? (it declares: effect, names)",
    ]);
  });

  it('a definition that is not an object, or has no rule', () => {
    assert.match(
      problemsOf(() => parsePolicyDefinition([], { what: 'x.json' })),
      /a policy definition is a JSON object/,
    );
    assert.match(
      problemsOf(() => parsePolicyDefinition({ properties: {} }, { name: 'n', what: 'x.json' })),
      /properties\.policyRule/,
    );
  });
});

describe('policy rules on Trellis resources', () => {
  it('count with where, tags by key, like, and a modify that sets a tag', () => {
    const policy = compilePolicy(
      definition({
        if: {
          allOf: [
            { field: 'type', equals: computeType },
            { field: "tags['cost-center']", exists: false },
            { field: 'Microsoft.MachineLearningServices/workspaces/computes/vmSize', like: 'standard_nc*' },
          ],
        },
        then: {
          effect: 'modify',
          details: { operations: [{ operation: 'addOrReplace', field: "tags['cost-center']", value: 'gpu-pool' }] },
        },
      }),
    );
    const gpu = cluster({ size: 'Standard_NC6s_v3' });
    const verdict = evaluatePolicy(policy, {}, gpu, facts);
    assert.equal(verdict.compliance, 'NonCompliant');
    const fixed = applyModifications({}, {}, verdict.modifications);
    assert.deepEqual(fixed.tags, { 'cost-center': 'gpu-pool' });
    assert.equal(evaluatePolicy(policy, {}, cluster({ size: 'Standard_NC6s_v3' }, fixed.tags), facts).compliance, 'Compliant');
    assert.equal(evaluatePolicy(policy, {}, cluster({ size: 'Standard_DS3_v2' }), facts).compliance, 'Compliant');
  });

  it('a cluster that never scales to zero, with the reason naming field and value', () => {
    const policy = compilePolicy(
      definition({
        if: { field: 'Microsoft.MachineLearningServices/workspaces/computes/scaleSettings.minNodeCount', greater: 0 },
        then: { effect: 'deny' },
      }),
    );
    const verdict = evaluatePolicy(policy, {}, cluster({ min_instances: 2 }), facts);
    assert.equal(verdict.compliance, 'NonCompliant');
    assert.deepEqual(verdict.reasons, [
      'Microsoft.MachineLearningServices/workspaces/computes/scaleSettings.minNodeCount is 2 (greater 0)',
    ]);
    assert.equal(evaluatePolicy(policy, {}, cluster({ min_instances: 0 }), facts).compliance, 'Compliant');
  });
});

describe("Azure's comparison rules", () => {
  it('text ignoring case, text against booleans and numbers, absent fields', () => {
    assert.equal(compare('equals', 'Enabled', 'enabled'), true);
    assert.equal(compare('equals', false, 'false'), true);
    assert.equal(compare('notEquals', undefined, 'Disabled'), true);
    assert.equal(compare('equals', undefined, ''), false);
    assert.equal(compare('in', 'AmlCompute', ['amlcompute', 'ComputeInstance']), true);
    assert.equal(compare('notIn', undefined, ['a']), true);
    assert.equal(compare('exists', undefined, 'false'), true);
    assert.equal(compare('exists', null, true), false);
    assert.equal(compare('like', 'azureml://registries/x/models/m', 'AZUREML://registries/*'), true);
    assert.equal(compare('match', 'ab-12', '??-##'), true);
    assert.equal(compare('match', 'AB-12', 'ab-##'), false);
    assert.equal(compare('matchInsensitively', 'AB-12', 'ab-##'), true);
    assert.equal(compare('contains', 'azureml://registries/approved/models', 'APPROVED'), true);
    assert.equal(compare('contains', ['a', 'b'], 'B'), true);
    assert.equal(compare('containsKey', { Team: 'a' }, 'team'), true);
    assert.equal(compare('greater', 10, 9), true);
    assert.equal(compare('less', '2026-01-01', '2026-02-01'), true);
    assert.equal(compare('greaterOrEquals', 'x', 3), false);
  });
});
