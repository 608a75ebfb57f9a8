import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { emptySnapshot, type WorkspaceAssignmentFacts } from './live-snapshot.js';
import { liveRules } from './live-rules.js';
import { builtInRoles } from '../../identity/roles/builtin-roles.js';

const rule = liveRules.find((candidate) => candidate.id === 'TRL-SEC-106')!;
const now = Date.parse('2026-03-01T12:00:00Z');

function assignment(
  principal: string,
  role: string,
  principalKind: WorkspaceAssignmentFacts['principalKind'] = 'user',
): WorkspaceAssignmentFacts {
  const permissions = builtInRoles.find((candidate) => candidate.name === role)!.permissions;
  return { id: `id-${principal}-${role}`, role, permissions, principal, principalKind };
}

/** The rule's verdict on workspace `name` with these tags and assignments: each check's outcome, then its findings. */
function verdict(name: string, tags: Record<string, string>, assignments: WorkspaceAssignmentFacts[] | undefined): string[] {
  const base = emptySnapshot(name, now);
  return rule
    .evaluate({ ...base, workspace: { ...base.workspace, tags }, workspaceAssignments: assignments })
    .flatMap((check) => [check.outcome, ...check.findings.map((finding) => finding.message)]);
}

describe('TRL-SEC-106 people write in production', () => {
  const project = [
    assignment('alice', 'Reader'),
    assignment('churn-ci', 'AzureML Data Scientist', 'servicePrincipal'),
    assignment('churn-ci', 'AzureML Compute Operator', 'servicePrincipal'),
  ];

  it('passes a prod workspace where people read and only a service principal writes', () => {
    assert.deepEqual(verdict('churn-prod', { stage: 'prod' }, project), ['passed']);
  });

  it('names each person or group whose role writes there, with the role and what it grants', () => {
    const found = verdict('churn-prod', { stage: 'prod' }, [
      ...project,
      assignment('bob', 'Contributor'),
      assignment('data-team', 'AzureML Data Scientist', 'group'),
    ]);
    assert.equal(found[0], 'failed');
    assert.match(
      found[1] ?? '',
      /^user 'bob' holds 'Contributor' here \(assignment id-bob-Contributor\), which grants models\/write, data\/write, jobs\/write/,
    );
    assert.match(found[2] ?? '', /^group 'data-team' holds 'AzureML Data Scientist' here .*onlineEndpoints\/write/);
    assert.equal(found.length, 3);
    assert.match(rule.fix, /Reader/);
  });

  it('leaves out dev workspaces, and workspaces whose assignments the caller may not read', () => {
    const writer = [assignment('bob', 'Contributor')];
    assert.deepEqual(verdict('churn-dev', { stage: 'dev' }, writer), []);
    assert.deepEqual(verdict('churn-prod', { stage: 'prod' }, undefined), []);
    // Production by its name alone counts too, as for the other production rules.
    assert.equal(verdict('prod', {}, writer)[0], 'failed');
  });
});
