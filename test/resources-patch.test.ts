import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { removeHome, startTrellis, type TrellisProcess } from './support/trellis-process.js';

/**
 * A PATCH that changes a compute's spec goes through the compute schema, as `trellis apply` does:
 * a bad field is refused with InvalidInput naming it, and the stored compute stays as it was.
 */

const cluster = 'name: cpu-cluster\ntype: amlcompute\nsize: Standard_DS3_v2\nmin_instances: 0\nmax_instances: 4\n';

describe('PATCH of a compute spec', () => {
  let trellis: TrellisProcess;

  before(async () => {
    trellis = await startTrellis();
    await trellis.client.createWorkspace({ name: 'dev' });
    await trellis.client.apply('dev', { fileName: 'cluster.yml', text: cluster, kind: 'compute' });
  });

  after(async () => {
    await trellis.stop();
    await removeHome(trellis.home);
  });

  async function patch(body: unknown, etag: string): Promise<{ status: number; body: { code?: string; detail?: string } }> {
    const response = await fetch(`${trellis.url}/api/v1/workspaces/dev/computes/cpu-cluster`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json', 'if-match': etag },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as { code?: string; detail?: string } };
  }

  for (const [spec, field] of [
    [{ max_instances: -1 }, 'max_instances'],
    [{ min_instances: 9 }, 'min_instances'],
    [{ tier: 'spot' }, 'tier'],
    [{ maxInstances: 2 }, 'maxInstances'],
  ] as const) {
    it(`refuses ${JSON.stringify(spec)} with InvalidInput naming ${field}, and changes nothing`, async () => {
      const current = await trellis.client.get('dev', 'compute', 'cpu-cluster', null);
      const refused = await patch({ spec }, current.etag);
      assert.equal(refused.status, 422, JSON.stringify(refused.body));
      assert.equal(refused.body.code, 'InvalidInput');
      assert.match(refused.body.detail ?? '', new RegExp(`\\b${field}\\b`));
      const after = await trellis.client.get('dev', 'compute', 'cpu-cluster', null);
      assert.equal(after.etag, current.etag);
      assert.deepEqual(after.spec, current.spec);
    });
  }

  it('writes a valid change, with the defaults a file would get', async () => {
    const current = await trellis.client.get('dev', 'compute', 'cpu-cluster', null);
    const changed = await patch({ spec: { max_instances: 2 } }, current.etag);
    assert.equal(changed.status, 200, JSON.stringify(changed.body));
    const after = await trellis.client.get('dev', 'compute', 'cpu-cluster', null);
    assert.equal(after.spec.max_instances, 2);
    assert.equal(after.spec.idle_time_before_scale_down, 120);
  });
});
