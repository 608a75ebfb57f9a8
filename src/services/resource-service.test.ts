import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { LocalArtifactStore } from '../artifacts/local/local-artifact-store.js';
import { isTrellisError } from '../core/errors.js';
import { Store } from '../store/store.js';
import { applyResourceFields } from './apply-resource-fields.js';
import type { Caller, Context } from './context.js';
import { getResource, updateResourceMetadata } from './resource-service.js';

const caller: Caller = { actor: 'tester', requestId: null };
const key = { workspace: 'dev', kind: 'compute', name: 'cpu-cluster', version: null } as const;

describe('updateResourceMetadata', () => {
  let home: string;
  let store: Store;
  let context: Context;

  before(async () => {
    home = await mkdtemp(join(tmpdir(), 'trellis-resource-service-'));
    store = Store.open({ home });
    await store.migrate();
    await store.repositories.workspaces.insert(
      { name: 'dev', spec: {}, status: {}, tags: {}, description: null },
      'tester',
      '2026-01-01T00:00:00.000Z',
    );
    context = {
      store,
      artifactsFor: () => new LocalArtifactStore(join(home, 'artifacts')),
      clock: () => new Date('2026-01-01T00:00:00.000Z'),
      logger: pino({ level: 'silent' }),
    };
    await applyResourceFields(context, caller, {
      workspace: 'dev',
      kind: 'compute',
      fields: { name: 'cpu-cluster', type: 'amlcompute', size: 'Standard_DS3_v2', max_instances: 4 },
      fileName: 'cluster',
    });
  });

  after(async () => {
    await store.close();
    await rm(home, { recursive: true, force: true });
  });

  it('merges a new spec into the stored one and validates it with the compute schema', async () => {
    const current = await getResource(context, key);
    const updated = await updateResourceMetadata(context, caller, key, { spec: { max_instances: 2 } }, current.etag);
    assert.ok(updated.kind === 'compute' && updated.spec.type === 'amlcompute');
    assert.equal(updated.spec.max_instances, 2);
    assert.equal(updated.spec.size, 'Standard_DS3_v2');
    assert.equal(updated.spec.min_instances, 0, "Azure's default is filled in, as for a file");
  });

  for (const [spec, field] of [
    [{ max_instances: -1 }, 'max_instances'],
    [{ min_instances: 9 }, 'min_instances'],
    [{ max_instances: 'many' }, 'max_instances'],
    [{ maxInstances: 3 }, 'maxInstances'],
  ] as const) {
    it(`refuses ${JSON.stringify(spec)} naming ${field}, and writes nothing`, async () => {
      const current = await getResource(context, key);
      await assert.rejects(updateResourceMetadata(context, caller, key, { spec }, current.etag), (error: unknown) => {
        assert.ok(isTrellisError(error), String(error));
        assert.equal(error.code, 'InvalidInput');
        assert.equal(error.status, 422);
        assert.ok(
          error.problems.some((problem) => problem.path === field),
          `no problem names ${field}: ${error.message}`,
        );
        return true;
      });
      assert.equal((await getResource(context, key)).etag, current.etag);
    });
  }

  it('changes tags and description without touching the spec', async () => {
    const current = await getResource(context, key);
    const updated = await updateResourceMetadata(context, caller, key, { tags: { owner: 'alice' }, description: 'shared' }, current.etag);
    assert.deepEqual(updated.tags, { owner: 'alice' });
    assert.equal(updated.description, 'shared');
    assert.deepEqual(updated.spec, current.spec);
  });
});
