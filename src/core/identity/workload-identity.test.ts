import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  deploymentIdentityOf,
  jobIdentityOf,
  jobTokenMarginSeconds,
  jobTokenSeconds,
  parseDeploymentIdentity,
  parseJobIdentity,
  submitterOf,
  untimedJobTokenSeconds,
} from './workload-identity.js';

describe('workload identity', () => {
  it('finds the principal a createdBy acts for: the actor after the last "for", the name after the first colon', () => {
    assert.deepEqual(submitterOf('user:alice'), { kind: 'user', name: 'alice' });
    assert.deepEqual(submitterOf('servicePrincipal:ci'), { kind: 'servicePrincipal', name: 'ci' });
    assert.deepEqual(submitterOf('job:fit-1 for user:alice'), { kind: 'user', name: 'alice' });
    assert.deepEqual(submitterOf('job:sweep for job:trial for servicePrincipal:ci'), { kind: 'servicePrincipal', name: 'ci' });
    assert.deepEqual(submitterOf('deployment:ep/blue for user:bob'), { kind: 'user', name: 'bob' });
    // A name may hold a colon (an e-mail-like OpenID subject): only the first one separates.
    assert.deepEqual(submitterOf('user:idp:alice@example.com'), { kind: 'user', name: 'idp:alice@example.com' });
  });

  it('names no principal for actors that are none: jobs from before authentication, the system, malformed text', () => {
    for (const actor of ['local:alice', 'system:job-runner', 'job:x for local:alice', 'alice', ':alice', 'user:', 'group:admins', ''])
      assert.equal(submitterOf(actor), undefined, actor);
  });

  it('names the identities as the audit log shows them', () => {
    assert.equal(jobIdentityOf('fit-1'), 'job:fit-1');
    assert.equal(deploymentIdentityOf('iris', 'blue'), 'deployment:iris/blue');
    // And back.
    assert.equal(parseJobIdentity(jobIdentityOf('fit-1')), 'fit-1');
    assert.deepEqual(parseDeploymentIdentity(deploymentIdentityOf('iris', 'blue')), { endpoint: 'iris', name: 'blue' });
    for (const other of ['job:', 'user:alice', 'deployment:iris', 'deployment:iris/blue/x', 'deployment:/blue'])
      assert.ok(parseJobIdentity(other) === undefined && parseDeploymentIdentity(other) === undefined, other);
  });

  it("lets a job's token live its timeout plus a margin, or a week without one", () => {
    assert.equal(jobTokenSeconds(600), 600 + jobTokenMarginSeconds);
    assert.equal(jobTokenSeconds(1.5), 2 + jobTokenMarginSeconds);
    assert.equal(jobTokenSeconds(undefined), untimedJobTokenSeconds);
    assert.equal(jobTokenSeconds(0), untimedJobTokenSeconds);
    assert.equal(untimedJobTokenSeconds, 7 * 86400);
  });
});
