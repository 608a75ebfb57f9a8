import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { processLayout } from '../../core/jobs/process-layout.js';
import type { LaunchRequest } from '../compute-backend.js';
import { renderBatchScript } from './batch-script.js';

function request(overrides: Partial<LaunchRequest> = {}): LaunchRequest {
  const workDir = overrides.workDir ?? '/data/ws/jobs/train/1';
  return {
    workspace: 'dev',
    jobName: 'train',
    attempt: 1,
    command: 'python train.py',
    workDir,
    codeDir: join(workDir, 'code'),
    logDir: join(workDir, 'user_logs'),
    env: {},
    processes: [{ node: 0, rank: 0, env: {} }],
    instanceCount: 1,
    resources: { vcpus: 4, memoryGiB: 16, gpus: 0 },
    ...overrides,
  };
}

const directives = (script: string) => script.split('\n').filter((line) => line.startsWith('#SBATCH '));

/** Runs a rendered single-process script with plain bash, as Slurm's batch step would, minus Slurm. */
function runLocally(script: string, workDir: string): { output: string; exitCode: number } {
  const path = join(workDir, 'script.sh');
  writeFileSync(path, script);
  try {
    return { output: execFileSync('bash', [path], { cwd: workDir, encoding: 'utf8' }), exitCode: 0 };
  } catch (error) {
    const failure = error as { stdout: string; status: number };
    return { output: failure.stdout, exitCode: failure.status };
  }
}

function tempWorkDir(): string {
  const workDir = mkdtempSync(join(tmpdir(), 'trellis-batch-'));
  mkdirSync(join(workDir, 'user_logs'));
  return workDir;
}

describe('renderBatchScript', () => {
  it('asks Slurm for one node and one task for a single process, logging to std_log.txt', () => {
    const script = renderBatchScript(request({ timeoutSeconds: 3600 }), { graceSeconds: 30, partition: 'gpu', account: 'ml-team' });
    assert.ok(script.startsWith('#!/bin/bash\n'));
    assert.deepEqual(directives(script), [
      '#SBATCH --job-name=trellis-dev-train-1',
      '#SBATCH --output="/data/ws/jobs/train/1/user_logs/std_log.txt"',
      '#SBATCH --chdir="/data/ws/jobs/train/1/code"',
      '#SBATCH --nodes=1',
      '#SBATCH --ntasks=1',
      '#SBATCH --ntasks-per-node=1',
      '#SBATCH --cpus-per-task=4',
      '#SBATCH --mem=16384M',
      '#SBATCH --time=0-01:01:00',
      '#SBATCH --partition=gpu',
      '#SBATCH --account=ml-team',
      '#SBATCH --export=NONE',
    ]);
    assert.doesNotMatch(script, /\bsrun\b/);
    assert.match(script, /sleep "\$1" && kill -TERM "\$2"' trellis-timeout 3600 \$\$ &/);
  });

  it('asks for GPUs per node and leaves out the time limit when there is no timeout', () => {
    const script = renderBatchScript(request({ resources: { vcpus: 8, memoryGiB: 0, gpus: 2 } }), { graceSeconds: 30 });
    assert.ok(directives(script).includes('#SBATCH --gres=gpu:2'));
    assert.ok(
      !directives(script).some(
        (line) => line.startsWith('#SBATCH --time') || line.startsWith('#SBATCH --mem') || line.startsWith('#SBATCH --partition'),
      ),
    );
    assert.doesNotMatch(script, /trellis-timeout/);
  });

  it('starts a distributed job as srun tasks with one log file per process and ranks from Slurm', () => {
    const processes = processLayout(
      { type: 'pytorch', process_count_per_instance: 2 },
      { instanceCount: 2, hosts: ['planned-0', 'planned-1'], masterPort: 29500 },
    );
    const script = renderBatchScript(request({ processes, instanceCount: 2, resources: { vcpus: 8, memoryGiB: 32, gpus: 2 } }), {
      graceSeconds: 30,
    });
    const lines = directives(script);
    assert.ok(lines.includes('#SBATCH --nodes=2'));
    assert.ok(lines.includes('#SBATCH --ntasks=4'));
    assert.ok(lines.includes('#SBATCH --ntasks-per-node=2'));
    assert.ok(lines.includes('#SBATCH --cpus-per-task=4'));
    assert.ok(lines.includes('#SBATCH --output="/data/ws/jobs/train/1/slurm_batch_log.txt"'));
    assert.match(
      script,
      /srun --export=ALL --kill-on-bad-exit=1 --nodes=2 --ntasks=4 --ntasks-per-node=2 --cpus-per-task=4 --distribution=block --output='\/data\/ws\/jobs\/train\/1\/user_logs\/std_log_process_%t\.txt'/,
    );
    assert.match(script, /RANK="\$SLURM_PROCID" LOCAL_RANK="\$SLURM_LOCALID" WORLD_SIZE="\$SLURM_NTASKS"/);
    assert.match(script, /MASTER_ADDR="\$2" MASTER_PORT='\\''29500'\\''/);
    assert.doesNotMatch(script, /planned-0/);
  });

  it('writes the environment so that quotes, $, newlines and spaces reach the command unchanged', () => {
    const workDir = tempWorkDir();
    const env = { QUOTED: `it's "quoted"`, DOLLAR: '$HOME $(id) `id`', LINES: 'one\ntwo\n', SPACES: '  a  b  ', BACKSLASH: 'a\\nb' };
    const command = 'for name in QUOTED DOLLAR LINES SPACES BACKSLASH; do printf "%s=[%s]\\n" "$name" "${!name}"; done; pwd';
    const { output, exitCode } = runLocally(
      renderBatchScript(request({ workDir, codeDir: workDir, logDir: join(workDir, 'user_logs'), command, env }), { graceSeconds: 5 }),
      workDir,
    );
    assert.equal(exitCode, 0);
    assert.equal(
      output,
      `QUOTED=[it's "quoted"]\nDOLLAR=[$HOME $(id) \`id\`]\nLINES=[one\ntwo\n]\nSPACES=[  a  b  ]\nBACKSLASH=[a\\nb]\n${workDir}\n`,
    );
  });

  it('records the command’s exit code in workDir/exit_code', () => {
    const workDir = tempWorkDir();
    const { exitCode } = runLocally(
      renderBatchScript(request({ workDir, codeDir: workDir, command: 'exit 3' }), { graceSeconds: 5 }),
      workDir,
    );
    assert.equal(exitCode, 3);
    assert.equal(readFileSync(join(workDir, 'exit_code'), 'utf8'), '3\n');
  });

  it('sends TERM to everything the command started at the timeout and records how it ended', () => {
    const workDir = tempWorkDir();
    const command = `trap 'echo stopping; exit 7' TERM; (trap 'echo child stopped >${join(workDir, 'child')}; exit 0' TERM; sleep 30 & wait) & sleep 30 & wait`;
    const started = Date.now();
    const { output, exitCode } = runLocally(
      renderBatchScript(request({ workDir, codeDir: workDir, command, timeoutSeconds: 1 }), { graceSeconds: 5 }),
      workDir,
    );
    assert.ok(Date.now() - started < 10_000, 'the timeout stopped the command');
    assert.equal(exitCode, 7);
    assert.equal(output, 'stopping\n');
    assert.equal(readFileSync(join(workDir, 'exit_code'), 'utf8'), '7\n');
    assert.equal(readFileSync(join(workDir, 'child'), 'utf8'), 'child stopped\n');
  });

  it('gives each srun task its own variables (run here with a stand-in srun and scontrol)', () => {
    const workDir = tempWorkDir();
    const bin = join(workDir, 'bin');
    mkdirSync(bin);
    // The stand-in runs the task command once per task on "node-a", as Slurm would on one node.
    writeFileSync(
      join(bin, 'srun'),
      '#!/bin/bash\nwhile [[ "$1" == --* ]]; do shift; done\nfor id in 0 1; do SLURM_PROCID=$id SLURM_LOCALID=$id SLURM_NODEID=0 SLURM_NTASKS=2 "$@"; done\n',
    );
    writeFileSync(join(bin, 'scontrol'), '#!/bin/bash\nprintf "node-a\\nnode-b\\n"\n');
    chmodSync(join(bin, 'srun'), 0o755);
    chmodSync(join(bin, 'scontrol'), 0o755);
    const processes = processLayout(
      { type: 'pytorch', process_count_per_instance: 2 },
      { instanceCount: 1, hosts: ['planned'], masterPort: 29555 },
    );
    const command = 'echo "$RANK/$WORLD_SIZE local $LOCAL_RANK node $NODE_RANK at $MASTER_ADDR:$MASTER_PORT shared $SHARED"';
    const script = renderBatchScript(
      request({ workDir, codeDir: workDir, processes, command, env: { SHARED: "it's", PATH: `${bin}:${process.env.PATH ?? ''}` } }),
      { graceSeconds: 5 },
    );
    const { output, exitCode } = runLocally(script.replace('#!/bin/bash\n', `#!/bin/bash\nexport PATH='${bin}':"$PATH"\n`), workDir);
    assert.equal(exitCode, 0);
    assert.equal(output, "0/2 local 0 node 0 at node-a:29555 shared it's\n1/2 local 1 node 0 at node-a:29555 shared it's\n");
  });

  it('escapes % in paths, which Slurm would expand in file names', () => {
    const script = renderBatchScript(request({ logDir: '/data/100%/logs' }), { graceSeconds: 5 });
    assert.ok(directives(script).includes('#SBATCH --output="/data/100%%/logs/std_log.txt"'));
  });

  it('refuses what sbatch cannot carry, saying what to change', () => {
    assert.throws(
      () => renderBatchScript(request({ env: { 'BAD-NAME': 'x' } }), { graceSeconds: 5 }),
      /environment variable name 'BAD-NAME'/,
    );
    assert.throws(() => renderBatchScript(request({ codeDir: '/data/"quoted"/code' }), { graceSeconds: 5 }), /cannot be given to sbatch/);
    assert.throws(() => renderBatchScript(request(), { graceSeconds: 5, partition: 'gpu; rm -rf /' }), /Slurm partition/);
    assert.throws(() => renderBatchScript(request({ processes: [] }), { graceSeconds: 5 }), /no processes/);
  });
});
