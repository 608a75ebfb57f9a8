import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { matchesAction, roleGrants } from './action-match.js';
import { builtInRoles } from './builtin-roles.js';

const ml = 'Microsoft.MachineLearningServices/workspaces';
const role = (name: string) => builtInRoles.find((candidate) => candidate.name === name)!;

describe('Azure action matching', () => {
  it('matches case-insensitively, with * for any run of characters and a whole-segment * for none too', () => {
    assert.ok(matchesAction('*', `${ml}/jobs/write`));
    assert.ok(matchesAction('*/read', `${ml}/jobs/read`));
    assert.ok(!matchesAction('*/read', `${ml}/jobs/write`));
    assert.ok(matchesAction(`${ml}/*/write`, `${ml}/jobs/write`));
    assert.ok(matchesAction(`${ml}/*/write`, `${ml}/onlineEndpoints/deployments/write`));
    assert.ok(matchesAction(`${ml}/*/write`, `${ml}/write`));
    assert.ok(matchesAction(`${ml}/computes/*`, `${ml}/computes/listNodes/action`));
    assert.ok(matchesAction('microsoft.authorization/*/write', 'Microsoft.Authorization/roleAssignments/write'));
    assert.ok(!matchesAction(`${ml}/jobs/read`, `${ml}/jobs/readx`));
    assert.ok(!matchesAction(`${ml}.x/*`, `${ml}/jobs/read`), 'a dot is a dot, not any character');
  });

  it('applies the built-in roles as Azure publishes them', () => {
    const scientist = role('AzureML Data Scientist');
    assert.ok(roleGrants(scientist, `${ml}/jobs/write`));
    assert.ok(roleGrants(scientist, `${ml}/read`), 'reads the workspace itself');
    assert.ok(!roleGrants(scientist, `${ml}/write`), 'may not change the workspace');
    assert.ok(!roleGrants(scientist, `${ml}/computes/write`), 'may not create compute');
    assert.ok(!roleGrants(scientist, `${ml}/computes/delete`));
    assert.ok(roleGrants(scientist, `${ml}/computes/read`));
    assert.ok(!roleGrants(scientist, 'Microsoft.Authorization/roleAssignments/write'));
    const contributor = role('Contributor');
    assert.ok(roleGrants(contributor, `${ml}/delete`));
    assert.ok(!roleGrants(contributor, 'Microsoft.Authorization/roleAssignments/write'));
    assert.ok(roleGrants(contributor, 'Microsoft.Authorization/roleAssignments/read'));
    const reader = role('Reader');
    assert.ok(roleGrants(reader, `${ml}/models/read`) && !roleGrants(reader, `${ml}/models/write`));
    assert.ok(!roleGrants(reader, `${ml}/onlineEndpoints/listKeys/action`), 'a reader cannot read endpoint keys');
    const operator = role('AzureML Compute Operator');
    assert.ok(roleGrants(operator, `${ml}/computes/write`) && !roleGrants(operator, `${ml}/jobs/write`));
    assert.ok(roleGrants(role('Owner'), 'Microsoft.Authorization/roleAssignments/write'));
  });
});
