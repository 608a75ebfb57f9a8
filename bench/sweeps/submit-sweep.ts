/** Sweep files for bench/sweeps.ts: written, submitted with `trellis job create` as a user would, and waited for. */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { SweepJobBody } from '../../src/client/trellis-client.js';
import { runCli, type TrellisProcess } from '../../test/support/trellis-process.js';

export const workspace = 'default';
export const clusterName = 'bench-cluster';

export interface Summary {
  p50: number;
  mean: number;
  max: number;
}

/** Wall-clock milliseconds with sub-millisecond resolution. */
export const wallNow = () => performance.timeOrigin + performance.now();

export function summarise(values: number[]): Summary {
  const sorted = [...values].sort((a, b) => a - b);
  return {
    p50: sorted[Math.floor(sorted.length / 2)] ?? Number.NaN,
    mean: values.reduce((sum, value) => sum + value, 0) / values.length,
    max: sorted[sorted.length - 1] ?? Number.NaN,
  };
}

/** A sweep file: flow-style search space, numbers written in full so they parse back to the same doubles. */
export function sweepYaml(sweep: {
  name: string;
  command: string;
  environment: string;
  code?: string;
  space: Record<string, object>;
  algorithm: string;
  goal: string;
  metric: string;
  total: number;
  concurrent: number;
  policy?: string[];
}): string {
  const flow = (expression: object) =>
    `{${Object.entries(expression)
      .map(([key, value]) => `${key}: ${String(value)}`)
      .join(', ')}}`;
  return [
    'type: sweep',
    `name: ${sweep.name}`,
    `experiment_name: bench-sweeps`,
    `compute: azureml:${clusterName}`,
    'trial:',
    ...(sweep.code ? [`  code: ${sweep.code}`] : []),
    `  command: >-\n    ${sweep.command}`,
    `  environment: ${sweep.environment}`,
    'search_space:',
    ...Object.entries(sweep.space).map(([name, expression]) => `  ${name}: ${flow(expression)}`),
    `sampling_algorithm: ${sweep.algorithm}`,
    'objective:',
    `  goal: ${sweep.goal}`,
    `  primary_metric: ${sweep.metric}`,
    'limits:',
    `  max_total_trials: ${sweep.total}`,
    `  max_concurrent_trials: ${sweep.concurrent}`,
    ...(sweep.policy ? ['early_termination:', ...sweep.policy.map((line) => `  ${line}`)] : []),
    '',
  ].join('\n');
}

const ended = (state: string) => ['Completed', 'Failed', 'Canceled'].includes(state);

/** Submits a sweep file with `trellis job create --file`, as a user would; returns its name and when the request was sent. */
export async function submitSweep(trellis: TrellisProcess, folder: string, text: string): Promise<{ name: string; sent: number }> {
  const file = join(folder, `${/name: (\S+)/.exec(text)?.[1] ?? 'sweep'}.yml`);
  await writeFile(file, text);
  const sent = wallNow();
  const result = await runCli(['job', 'create', '--file', file, '-o', 'json'], { url: trellis.url });
  if (result.code !== 0) throw new Error(`job create ${file}: ${result.stderr}`);
  return { name: (JSON.parse(result.stdout) as SweepJobBody).name, sent };
}

/** Polls the sweep list (cheap) until `name` ended, with a progress line every 10 s; returns the sweep with its trials. */
export async function waitSweep(trellis: TrellisProcess, name: string, log: (line: string) => void): Promise<SweepJobBody> {
  let nextProgress = wallNow() + 10_000;
  for (;;) {
    const { items } = await trellis.client.listSweeps(workspace, { limit: 10 });
    if (ended(items.find((item) => item.name === name)?.state ?? '')) return trellis.client.getSweep(workspace, name);
    if (wallNow() >= nextProgress) {
      nextProgress = wallNow() + 10_000;
      const { progress } = await trellis.client.getSweep(workspace, name);
      if (progress)
        log(
          `    ${name}: ${progress.trials} of ${progress.maxTotalTrials} trials started, ${progress.running} running, ${progress.completed} completed, ${progress.stoppedEarly} stopped early`,
        );
    }
    await sleep(250);
  }
}
