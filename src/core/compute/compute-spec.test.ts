import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { resourceFromFields } from '../azureml/resource-from-fields.js';
import type { Resource } from '../resources/resource.js';
import { computeSpecOf, sizeOf, tierOf } from './compute-spec.js';

function compute(fields: Parameters<typeof resourceFromFields<'compute'>>[1]): Resource {
  const parsed = resourceFromFields('compute', fields, 'test compute');
  const audit = { createdBy: 'test', createdAt: '', updatedAt: '', etag: '' };
  return {
    kind: 'compute',
    workspace: 'dev',
    name: parsed.name,
    version: null,
    spec: parsed.spec,
    status: {},
    tags: {},
    description: null,
    ...audit,
  };
}

describe('compute specs', () => {
  it("gives a backend the spec of its own type, and refuses another type's", () => {
    const slurm = compute({ name: 'hpc', type: 'slurm', partition: 'gpu' });
    assert.equal(computeSpecOf(slurm, 'slurm').partition, 'gpu');
    assert.throws(() => computeSpecOf(slurm, 'kubernetes'), /not a compute of type kubernetes/);
  });

  it("reads size and tier with Azure's defaults in one place", () => {
    const cluster = compute({ name: 'cpu', type: 'amlcompute', tier: 'low_priority' });
    assert.ok(cluster.kind === 'compute');
    assert.equal(tierOf(cluster.spec), 'low_priority');
    assert.equal(sizeOf(cluster.spec), 'STANDARD_DS3_V2');
    const slurm = compute({ name: 'hpc', type: 'slurm' });
    assert.ok(slurm.kind === 'compute');
    assert.equal(tierOf(slurm.spec), 'dedicated');
    // A spec without a size gets the default as the catalogue spells it.
    assert.equal(sizeOf(slurm.spec), 'Standard_DS3_v2');
  });
});
