import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatSlurmHandle, parseSlurmHandle } from './slurm-handle.js';

describe('Slurm handles', () => {
  it('round-trip the job id and a workDir with colons and spaces', () => {
    const handle = { jobId: '1234', workDir: '/data/trellis/ws:dev/jobs/my job/1' };
    assert.equal(formatSlurmHandle(handle), 'slurm:1234:/data/trellis/ws:dev/jobs/my job/1');
    assert.deepEqual(parseSlurmHandle(formatSlurmHandle(handle)), handle);
  });

  it('refuse a handle from another backend', () => {
    assert.throws(
      () => parseSlurmHandle('local:1234'),
      (error: Error & { code?: string }) => error.code === 'InvalidBackendHandle',
    );
    assert.throws(() => parseSlurmHandle('slurm:abc:/x'), /not a Slurm attempt handle/);
    assert.throws(() => parseSlurmHandle('slurm:12:'), /not a Slurm attempt handle/);
  });
});
