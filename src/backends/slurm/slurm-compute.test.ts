import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { Resource } from '../../core/resources/resource.js';
import type { AttemptState, ComputeBackend, LaunchRequest } from '../compute-backend.js';
import { createSlurmComputes } from './slurm-compute.js';
import type { SlurmCommands } from './slurm-commands.js';

function compute(spec: Record<string, unknown>, name = 'hpc'): Resource {
  return {
    kind: 'compute',
    workspace: 'dev',
    name,
    version: null,
    spec: { type: 'slurm', login: 'local', ...spec },
    status: {},
    tags: {},
    description: null,
    createdBy: 'test',
    createdAt: '',
    updatedAt: '',
    etag: '',
  };
}

/** Stand-in Slurm tools that record the scripts submitted and the jobs asked about. */
function standInCommands() {
  const scripts: string[] = [];
  const asked: string[] = [];
  const commands: SlurmCommands = {
    submit: async (scriptPath) => {
      scripts.push(readFileSync(scriptPath, 'utf8'));
      return String(40 + scripts.length);
    },
    queueState: async (jobId) => {
      asked.push(jobId);
      return 'RUNNING';
    },
    showJob: async () => undefined,
    terminate: async () => undefined,
    cancel: async () => undefined,
  };
  return { commands, scripts, asked };
}

function request(instanceCount = 1): LaunchRequest {
  const workDir = mkdtempSync(join(tmpdir(), 'trellis-slurm-compute-'));
  return {
    workspace: 'dev',
    jobName: 'train',
    attempt: 1,
    command: 'python train.py',
    workDir,
    codeDir: join(workDir, 'code'),
    logDir: join(workDir, 'user_logs'),
    env: {},
    processes: Array.from({ length: instanceCount }, (_, rank) => ({ node: rank, rank, env: {} })),
    instanceCount,
    // What the job runner sends when the compute has no size: its amlcompute default.
    resources: { vcpus: 4, memoryGiB: 14, gpus: 0 },
  };
}

const directives = (script: string) => script.split('\n').filter((line) => line.startsWith('#SBATCH '));

describe('createSlurmComputes', () => {
  it('submits with the compute’s partition and account, and per-node resources from its size', async () => {
    const { commands, scripts } = standInCommands();
    const computes = createSlurmComputes({ graceSeconds: 5, commands });
    const { handle } = await computes
      .backendFor(compute({ partition: 'gpu', account: 'ml-team', size: 'Standard_DS2_v2' }))
      .launch(request());
    assert.match(handle, /^slurm:41:\//);
    const lines = directives(scripts[0]!);
    for (const line of ['#SBATCH --partition=gpu', '#SBATCH --account=ml-team', '#SBATCH --cpus-per-task=2', '#SBATCH --mem=7168M'])
      assert.ok(lines.includes(line), `${line} in ${lines.join(', ')}`);
  });

  it('leaves CPUs and memory to Slurm’s defaults when the compute has no size', async () => {
    const { commands, scripts } = standInCommands();
    await createSlurmComputes({ graceSeconds: 5, commands }).backendFor(compute({})).launch(request());
    const lines = directives(scripts[0]!);
    assert.ok(lines.includes('#SBATCH --cpus-per-task=1'));
    assert.ok(!lines.some((line) => line.startsWith('#SBATCH --mem') || line.startsWith('#SBATCH --partition')), lines.join(', '));
  });

  it('refuses more nodes than nodes_max before submitting anything', async () => {
    const { commands, scripts } = standInCommands();
    const backend = createSlurmComputes({ graceSeconds: 5, commands }).backendFor(compute({ nodes_max: 2 }));
    await assert.rejects(backend.launch(request(3)), /asks for 3 nodes but the Slurm compute allows 2 \(nodes_max\)/);
    assert.equal(scripts.length, 0);
  });

  it('makes one backend per compute and makes it again when the compute’s settings change', () => {
    const computes = createSlurmComputes({ graceSeconds: 5, commands: standInCommands().commands });
    const first = computes.backendFor(compute({ partition: 'gpu' }));
    assert.equal(computes.backendFor(compute({ partition: 'gpu' })), first);
    assert.notEqual(computes.backendFor(compute({ partition: 'cpu' })), first);
    assert.notEqual(computes.backendFor(compute({ partition: 'gpu' }, 'other')), computes.backendFor(compute({ partition: 'cpu' })));
  });

  it('polls and stops attempts of a deleted compute by their handle, and starts none', async () => {
    const { commands, asked } = standInCommands();
    const local: string[] = [];
    const otherHandles: ComputeBackend = {
      launch: async () => ({ handle: 'local:/x' }),
      poll: async (handle): Promise<AttemptState> => {
        local.push(handle);
        return { state: 'exited', exitCode: 0 };
      },
      stop: async () => undefined,
    };
    const orphans = createSlurmComputes({ graceSeconds: 5, commands }).byHandle(otherHandles);
    const workDir = mkdtempSync(join(tmpdir(), 'trellis-slurm-compute-'));
    assert.deepEqual(await orphans.poll(`slurm:77:${workDir}`), { state: 'running' });
    assert.deepEqual(asked, ['77']);
    assert.deepEqual(await orphans.poll('local:/jobs/a'), { state: 'exited', exitCode: 0 });
    assert.deepEqual(local, ['local:/jobs/a']);
    await assert.rejects(orphans.launch(request()), (error: Error & { code?: string }) => error.code === 'ComputeNotFound');
  });
});
