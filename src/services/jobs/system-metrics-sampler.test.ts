import { pino } from 'pino';
import assert from 'node:assert/strict';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { LocalBackend, processGroupsOf } from '../../backends/local/local-backend.js';
import { Store } from '../../store/store.js';
import type { Context } from '../context.js';
import { ensureDefaultExperiment } from '../tracking/experiment-service.js';
import { createRun, metricHistory } from '../tracking/run-service.js';
import { SystemMetricsSampler } from './system-metrics-sampler.js';

const backend = new LocalBackend();
const intervalMs = 10_000;

describe('SystemMetricsSampler', { skip: process.platform !== 'linux' && 'reads Linux /proc' }, () => {
  let home: string;
  let store: Store;
  let context: Context;
  let now = Date.parse('2026-11-25T00:00:00.000Z');
  const handles: string[] = [];

  before(async () => {
    home = await mkdtemp(join(tmpdir(), 'trellis-system-metrics-'));
    store = Store.open({ home });
    await store.migrate();
    await store.repositories.workspaces.insert(
      { name: 'dev', spec: {}, status: {}, tags: {}, description: null },
      'tester',
      new Date(now).toISOString(),
    );
    context = {
      store,
      artifactsFor: () => {
        throw new Error('this test stores no artifacts');
      },
      clock: () => new Date(now),
      logger: pino({ level: 'silent' }),
    };
    await ensureDefaultExperiment(context, 'dev');
  });

  after(async () => {
    await Promise.all(handles.map((handle) => backend.stop(handle, 1)));
    await store.close();
    await rm(home, { recursive: true, force: true });
  });

  async function newJob(name: string) {
    const run = await createRun(context, 'dev', { experimentId: '0', userId: 'tester', runName: name, startTime: now, tags: [] });
    return { workspace: 'dev', name, runId: run.info.run_id };
  }

  /** A job spinning one core, in its own process group, launched as the runner would. */
  async function launchBusyJob(): Promise<string> {
    const workDir = await mkdtemp(join(home, 'attempt-'));
    const codeDir = join(workDir, 'code');
    await mkdir(codeDir);
    const { handle } = await backend.launch({
      workspace: 'dev',
      jobName: 'busy',
      attempt: 1,
      command: `exec "${process.execPath}" -e "for(;;){}"`,
      workDir,
      codeDir,
      logDir: join(workDir, 'user_logs'),
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
      processes: [{ node: 0, rank: 0, env: {} }],
      instanceCount: 1,
      resources: { vcpus: 1, memoryGiB: 1, gpus: 0 },
    });
    handles.push(handle);
    return handle;
  }

  async function history(runId: string, key: string) {
    return (await metricHistory(context, 'dev', runId, key, undefined, undefined)).metrics;
  }

  async function fakeNvidiaSmi(script: string): Promise<string> {
    const path = join(await mkdtemp(join(home, 'bin-')), 'nvidia-smi');
    await writeFile(path, `#!/bin/sh\n${script}\n`);
    await chmod(path, 0o755);
    return path;
  }

  it("logs the CPU and memory of the job's process group, CPU from the second sample on", async () => {
    const job = await newJob('cpu');
    const handle = await launchBusyJob();
    const sampler = new SystemMetricsSampler(context, { intervalMs, nvidiaSmi: null });
    // Part of what is measured: the busy process runs (and uses CPU) for a while before each sample.
    await sleep(200);
    await sampler.sample(job, handle, { vcpus: 1, memoryGiB: 1 });
    assert.deepEqual(await history(job.runId, 'system/cpu_utilization_percentage'), []);
    const [firstMemory] = await history(job.runId, 'system/system_memory_usage_megabytes');
    assert.ok(firstMemory && firstMemory.value > 0 && firstMemory.step === 0, JSON.stringify(firstMemory));

    await sleep(500);
    now += intervalMs;
    await sampler.sample(job, handle, { vcpus: 1, memoryGiB: 1 });
    const [cpu] = await history(job.runId, 'system/cpu_utilization_percentage');
    assert.ok(cpu, 'a CPU figure after the second sample');
    // One core spinning on a one-vCPU size: close to 100, or less on a test machine that is busy.
    assert.ok(cpu.value > 0 && cpu.value < 150, `cpu ${cpu.value}`);
    assert.equal(cpu.step, 1);
    assert.equal(cpu.timestamp, now);
    const [processCpu] = await history(job.runId, 'system/process_cpu_percentage');
    assert.equal(processCpu?.value, cpu.value);
    const memory = await history(job.runId, 'system/system_memory_usage_megabytes');
    assert.deepEqual(
      memory.map((point) => point.step),
      [0, 1],
    );
    assert.ok(
      memory.every((point) => point.value > 5),
      JSON.stringify(memory),
    );
    const [percentage] = await history(job.runId, 'system/system_memory_usage_percentage');
    assert.ok(percentage && percentage.value > 0);
  });

  it('samples a job at most once per interval, and continues the run’s steps after a restart', async () => {
    const job = await newJob('interval');
    const handle = await launchBusyJob();
    const first = new SystemMetricsSampler(context, { intervalMs, nvidiaSmi: null });
    await first.sample(job, handle);
    now += intervalMs - 1;
    await first.sample(job, handle);
    assert.equal((await history(job.runId, 'system/system_memory_usage_megabytes')).length, 1);
    now += 1;
    await first.sample(job, handle);
    assert.equal((await history(job.runId, 'system/system_memory_usage_megabytes')).length, 2);

    // A new server process (or forget, then the next attempt) picks up after the last step.
    const restarted = new SystemMetricsSampler(context, { intervalMs, nvidiaSmi: null });
    await restarted.sample(job, handle);
    first.forget(job);
    now += 1;
    await first.sample(job, handle);
    assert.deepEqual(
      (await history(job.runId, 'system/system_memory_usage_megabytes')).map((point) => point.step),
      [0, 1, 2, 3],
    );
  });

  it("logs the GPUs the job's processes use, from nvidia-smi", async () => {
    const job = await newJob('gpu');
    const handle = await launchBusyJob();
    const [group] = (await processGroupsOf(handle, context.logger)) ?? [];
    assert.ok(group);
    const nvidiaSmi = await fakeNvidiaSmi(
      [
        'case "$1" in',
        '  --query-gpu=*) echo "0, GPU-aaaa, 55, 1024, 2048"; echo "1, GPU-bbbb, 99, 2000, 2048" ;;',
        `  --query-compute-apps=*) echo "${group.leaderPid}, GPU-aaaa, 512"; echo "1, GPU-bbbb, 2000" ;;`,
        'esac',
      ].join('\n'),
    );
    const sampler = new SystemMetricsSampler(context, { intervalMs, nvidiaSmi });
    await sampler.sample(job, handle);
    assert.equal((await history(job.runId, 'system/gpu_0_utilization_percentage'))[0]?.value, 55);
    assert.equal((await history(job.runId, 'system/gpu_0_memory_usage_megabytes'))[0]?.value, 1073.7);
    assert.equal((await history(job.runId, 'system/gpu_0_memory_usage_percentage'))[0]?.value, 50);
    assert.equal((await history(job.runId, 'system/process_gpu_memory_megabytes'))[0]?.value, 536.9);
    assert.deepEqual(await history(job.runId, 'system/gpu_1_utilization_percentage'), []);
  });

  it('never waits long for a hanging nvidia-smi, and says so once', async () => {
    const job = await newJob('hanging-gpu');
    const handle = await launchBusyJob();
    const warnings: string[] = [];
    const nvidiaSmi = await fakeNvidiaSmi('exec sleep 30');
    const sampler = new SystemMetricsSampler(context, {
      intervalMs,
      nvidiaSmi,
      nvidiaSmiTimeoutMs: 200,
      warn: (message) => warnings.push(message),
    });
    const started = Date.now();
    await sampler.sample(job, handle);
    now += intervalMs;
    await sampler.sample(job, handle);
    assert.ok(Date.now() - started < 5_000, `took ${Date.now() - started} ms`);
    assert.equal((await history(job.runId, 'system/system_memory_usage_megabytes')).length, 2);
    assert.equal(warnings.length, 1, warnings.join('\n'));
    assert.match(warnings[0] ?? '', /did not answer/);
  });

  it('never throws: another backend is skipped, a failing job is reported once', async () => {
    const warnings: string[] = [];
    const sampler = new SystemMetricsSampler(context, { intervalMs, nvidiaSmi: null, warn: (message) => warnings.push(message) });
    await sampler.sample({ workspace: 'dev', name: 'on-slurm', runId: 'nope' }, 'slurm:12345');
    const handle = await launchBusyJob();
    const missing = { workspace: 'dev', name: 'no-run', runId: '0123456789abcdef0123456789abcdef' };
    await sampler.sample(missing, handle);
    now += intervalMs;
    await sampler.sample(missing, handle);
    assert.equal(warnings.length, 1, warnings.join('\n'));
    assert.match(warnings[0] ?? '', /dev\/no-run/);
  });
});
