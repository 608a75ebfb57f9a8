import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { LocalArtifactStore } from '../../artifacts/local/local-artifact-store.js';
import { Store } from '../../store/store.js';
import type { Context } from '../context.js';
import { submitJob } from '../jobs/submit-job.js';
import { ensureDefaultWorkspace } from '../workspace-service.js';
import { ensureOwner } from './owner-bootstrap.js';
import { issueToken } from './token-service.js';
import { issueJobToken, revokeOrphanedWorkloadTokens } from './workload-tokens.js';

const now = new Date('2026-06-01T00:00:00.000Z');

describe('revokeOrphanedWorkloadTokens (a server starting after jobs ended and deployments went while it was down)', () => {
  let home: string;
  let store: Store;
  let context: Context;

  before(async () => {
    home = await mkdtemp(join(tmpdir(), 'trellis-workload-tokens-'));
    store = Store.open({ home });
    await store.migrate();
    context = {
      store,
      artifactsFor: () => new LocalArtifactStore(join(home, 'artifacts')),
      clock: () => now,
      logger: pino({ level: 'silent' }),
    };
    await ensureOwner(context, 'alice');
    await ensureDefaultWorkspace(context, { actor: 'user:alice', requestId: null });
  });

  after(async () => {
    await store.close();
    await rm(home, { recursive: true, force: true });
  });

  const liveIds = async () => new Set((await store.repositories.identity.listLiveWorkloadTokens(now.getTime())).map((token) => token.id));

  it("revokes the tokens of jobs that ended or are gone and of deleted deployments; keeps a queued job's, a personal token, an unknown identity's", async () => {
    const caller = { actor: 'user:alice', requestId: null };
    const job = await submitJob(context, caller, {
      workspace: 'default',
      fileName: 'job.yml',
      text: 'command: echo hello\nenvironment: azureml:trellis-python-sklearn@latest\n',
      uploads: {},
      inlined: {},
    });
    const queued = await issueJobToken(context, job, 600);
    assert.ok(queued.token !== undefined);
    const issue = (kind: 'job' | 'deployment' | 'pat', identity: string | undefined) =>
      issueToken(store.repositories.identity, {
        principal: 'alice',
        name: `${kind} ${identity ?? ''}`,
        kind,
        expiresInSeconds: 3600,
        workspace: kind === 'pat' ? undefined : 'default',
        identity,
        createdBy: 'test',
        now: now.getTime(),
      });
    const deletedJob = await issue('job', 'job:deleted-meanwhile');
    const deletedDeployment = await issue('deployment', 'deployment:iris/blue');
    const unknown = await issue('deployment', 'pipeline:later-version');
    const personal = await issue('pat', undefined);

    assert.equal(await revokeOrphanedWorkloadTokens(context), 2);
    const live = await liveIds();
    assert.ok(live.has(queued.id), "a queued job's token is kept");
    assert.ok(live.has(unknown.record.id), 'an identity this version does not know is left to expire');
    assert.ok(!live.has(deletedJob.record.id), "a deleted job's token is revoked");
    assert.ok(!live.has(deletedDeployment.record.id), "a deleted deployment's token is revoked");
    assert.equal((await store.repositories.identity.getToken(personal.record.id))?.revokedAt, null, 'a personal token is untouched');

    // The job ends while no server runs: the next start revokes its token.
    await store.repositories.jobs.update('default', job.name, { state: 'Completed' }, now.getTime());
    assert.equal(await revokeOrphanedWorkloadTokens(context), 1);
    assert.ok(!(await liveIds()).has(queued.id));
    assert.equal(await revokeOrphanedWorkloadTokens(context), 0, 'nothing is revoked twice');
  });
});
