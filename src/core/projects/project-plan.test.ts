import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { roleGrants } from '../identity/roles/action-match.js';
import { builtInRoles } from '../identity/roles/builtin-roles.js';
import { checkProjectName, desiredAssignments, planAssignments, stageConflict, stageRoles } from './project-plan.js';

describe('project names', () => {
  it('takes short lowercase names and refuses the rest, naming the field and the rule', () => {
    for (const good of ['churn', 'churn-2', 'a']) assert.equal(checkProjectName(good), undefined, good);
    for (const bad of ['Churn', '2churn', 'churn-', 'ch--urn', 'churn_x', '', 'x'.repeat(29)]) {
      const problem = checkProjectName(bad);
      assert.equal(problem?.path, 'name', bad);
      assert.match(problem?.message ?? '', /lowercase letters, digits and single '-'/);
    }
  });
});

describe('the assignments of a project', () => {
  it('makes members Data Scientists in dev and Readers in prod; CI Data Scientist and Compute Operator in both', () => {
    const desired = desiredAssignments('churn', ['alice', 'team', 'alice'], 'churn-ci');
    assert.deepEqual(
      desired.map((assignment) => `${assignment.scope} ${assignment.principal} ${assignment.role}`),
      [
        '/workspaces/churn-dev alice AzureML Data Scientist',
        '/workspaces/churn-dev team AzureML Data Scientist',
        '/workspaces/churn-dev churn-ci AzureML Data Scientist',
        '/workspaces/churn-dev churn-ci AzureML Compute Operator',
        '/workspaces/churn-prod alice Reader',
        '/workspaces/churn-prod team Reader',
        '/workspaces/churn-prod churn-ci AzureML Data Scientist',
        '/workspaces/churn-prod churn-ci AzureML Compute Operator',
      ],
    );
  });

  it('leaves people no write in prod and gives CI what a release writes, but not the workspace itself', () => {
    const role = (name: string) => builtInRoles.find((candidate) => candidate.name === name)!;
    const ml = 'Microsoft.MachineLearningServices/workspaces';
    for (const action of ['models/write', 'jobs/write', 'onlineEndpoints/write', 'onlineEndpoints/deployments/write'])
      for (const [side, grants] of [
        ['member', false],
        ['ci', true],
      ] as const)
        assert.equal(
          stageRoles[side].prod.some((name) => roleGrants(role(name), `${ml}/${action}`)),
          grants,
          `${side} ${action}`,
        );
    assert.ok(stageRoles.ci.prod.some((name) => roleGrants(role(name), `${ml}/computes/write`)));
    for (const action of [`${ml}/write`, `${ml}/delete`, 'Microsoft.Authorization/roleAssignments/write'])
      assert.ok(!stageRoles.ci.prod.some((name) => roleGrants(role(name), action)), action);
  });

  it('plans only what is missing, matching role names as Azure does (case-insensitively)', () => {
    const desired = desiredAssignments('churn', ['alice'], 'churn-ci');
    const existing = [
      { id: 'a1', principal: 'alice', role: 'azureml data scientist', scope: '/workspaces/churn-dev' },
      { id: 'x', principal: 'bob', role: 'Contributor', scope: '/workspaces/churn-prod' },
    ];
    const plan = planAssignments(desired, existing);
    assert.deepEqual(
      plan.present.map((assignment) => assignment.id),
      ['a1'],
    );
    assert.equal(plan.missing.length, desired.length - 1);
    assert.deepEqual(planAssignments(desired, [...existing, ...plan.missing.map((m, index) => ({ ...m, id: `n${index}` }))]).missing, []);
  });
});

describe('workspaces a project may use', () => {
  it('takes a free workspace or its own, and names a conflict', () => {
    assert.equal(stageConflict({ name: 'churn-dev', tags: {} }, 'churn', 'dev'), undefined);
    assert.equal(stageConflict({ name: 'churn-dev', tags: { project: 'churn', stage: 'dev' } }, 'churn', 'dev'), undefined);
    assert.match(stageConflict({ name: 'churn-dev', tags: { project: 'other', stage: 'dev' } }, 'churn', 'dev') ?? '', /project 'other'/);
    assert.match(stageConflict({ name: 'churn-prod', tags: { stage: 'dev' } }, 'churn', 'prod') ?? '', /stage 'dev'/);
  });
});
