import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { slurmCommands } from './slurm-commands.js';

// Stand-in Slurm tools on PATH, printing what the real ones print (Slurm 22.05), so these run without a cluster.
const bin = mkdtempSync(join(tmpdir(), 'trellis-fake-slurm-'));
function tool(name: string, body: string): void {
  writeFileSync(join(bin, name), `#!/bin/sh\n${body}\n`);
  chmodSync(join(bin, name), 0o755);
}

const originalPath = process.env.PATH;
beforeEach(() => (process.env.PATH = `${bin}:/usr/bin:/bin`));
afterEach(() => (process.env.PATH = originalPath));

const rejectsWith = (code: string, message: RegExp) => (error: Error & { code?: string }) => {
  assert.equal(error.code, code);
  assert.match(error.message, message);
  return true;
};

describe('slurmCommands', () => {
  it('says which Slurm tool is missing', async () => {
    process.env.PATH = mkdtempSync(join(tmpdir(), 'trellis-empty-path-'));
    await assert.rejects(
      slurmCommands().submit('/x/slurm_batch.sh'),
      rejectsWith('SlurmNotInstalled', /slurm's sbatch is not installed or not on PATH/),
    );
  });

  it('reads the job id from sbatch --parsable', async () => {
    tool('sbatch', '[ "$1" = --parsable ] && echo "4242;trellis"');
    assert.equal(await slurmCommands().submit('/x/slurm_batch.sh'), '4242');
  });

  it('tells a controller that is down from a refused job', async () => {
    tool('sbatch', 'echo "sbatch: error: Batch job submission failed: Unable to contact slurm controller (connect failure)" >&2; exit 1');
    await assert.rejects(slurmCommands().submit('/x/s.sh'), rejectsWith('SlurmControllerUnavailable', /not reachable .*scontrol ping/));
    tool('sbatch', 'echo "sbatch: error: Batch job submission failed: Invalid partition name specified" >&2; exit 1');
    await assert.rejects(
      slurmCommands().submit('/x/s.sh'),
      rejectsWith('SlurmSubmitRejected', /Invalid partition name specified; check the compute's partition/),
    );
  });

  it('gives undefined for a job Slurm no longer knows', async () => {
    tool('squeue', 'echo "slurm_load_jobs error: Invalid job id specified" >&2; exit 1');
    tool('scontrol', 'echo "slurm_load_jobs error: Invalid job id specified" >&2; exit 1');
    assert.equal(await slurmCommands().queueState('9'), undefined);
    assert.equal(await slurmCommands().showJob('9'), undefined);
  });

  it('reads squeue and scontrol and passes the job id as an argument', async () => {
    tool('squeue', '[ "$3" = 12 ] && echo RUNNING');
    tool(
      'scontrol',
      '[ "$3" = 12 ] && printf "JobId=12 JobName=x\\n   JobState=FAILED Reason=NonZeroExitCode Dependency=(null)\\n   Requeue=1 ExitCode=2:0\\n"',
    );
    assert.equal(await slurmCommands().queueState('12'), 'RUNNING');
    assert.deepEqual(await slurmCommands().showJob('12'), {
      jobId: '12',
      state: 'FAILED',
      reason: 'NonZeroExitCode',
      exitStatus: 2,
      exitSignal: 0,
    });
  });

  it('gives up on a tool that hangs', async () => {
    tool('squeue', 'sleep 5');
    await assert.rejects(
      slurmCommands({ timeoutMs: 200 }).queueState('1'),
      rejectsWith('SlurmControllerUnavailable', /did not answer within/),
    );
  });

  it('reports other failures with the tool’s message', async () => {
    tool('scancel', 'echo "scancel: error: Access/permission denied" >&2; exit 1');
    await assert.rejects(
      slurmCommands().cancel('5'),
      rejectsWith('SlurmCommandFailed', /scancel 5 failed: scancel: error: Access\/permission denied/),
    );
  });
});
