import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { JobBody } from '../../src/client/trellis-client.js';
import { finished, waitForJob } from './jobs.js';
import { repositoryRoot, startTrellis, type TrellisProcess } from './trellis-process.js';

/** What the cost tests share: a server with prices in its config.yaml, a cluster they apply to, and sleep jobs on it. */

const environmentCache = join(repositoryRoot, '.cache', 'environments');
/** Standard_DS3_v2 at 3.60 an hour here: 0.001 a node-second, so the numbers are exact. */
export const pricesYaml = 'prices:\n  currency: USD\n  sizes:\n    Standard_DS3_v2: { dedicated_per_hour: 3.6 }\n';
export const perNodeSecond = 3.6 / 3600;
export const pricedCluster =
  'name: priced\ntype: amlcompute\nsize: Standard_DS3_v2\ntier: dedicated\nmin_instances: 0\nmax_instances: 2\nidle_time_before_scale_down: 1\n';

export function sleepJob(seconds: number, tags: Record<string, string> = {}): string {
  const tagLines = Object.entries(tags).map(([key, value]) => `  ${key}: ${value}\n`);
  return `command: sleep ${seconds}\nenvironment:\n  image: library/python:latest\ncompute: azureml:priced\n${tagLines.length > 0 ? `tags:\n${tagLines.join('')}` : ''}`;
}

/** A Trellis whose config.yaml prices Standard_DS3_v2, with the priced cluster applied. */
export async function startPricedTrellis(
  options: { databaseUrl?: string | undefined; configYaml?: string; env?: Record<string, string> } = {},
) {
  const home = await mkdtemp(join(tmpdir(), 'trellis-home-'));
  await writeFile(join(home, 'config.yaml'), `${pricesYaml}${options.configYaml ?? ''}`);
  const trellis = await startTrellis({
    home,
    databaseUrl: options.databaseUrl,
    env: { TRELLIS_ENV_CACHE: environmentCache, TRELLIS_JOB_TICK_MS: '200', TRELLIS_JOB_GRACE_SECONDS: '1', ...options.env },
  });
  await trellis.client.apply('default', { fileName: 'compute.yml', text: pricedCluster, kind: 'compute' });
  return trellis;
}

export async function runJob(trellis: TrellisProcess, text: string): Promise<JobBody> {
  const submitted = await trellis.client.submitJob('default', { fileName: 'job.yml', text, uploads: {}, inlined: {} });
  const ended = await waitForJob(trellis.client, submitted.name, finished, 180_000);
  assert.equal(ended.state, 'Completed', ended.reason ?? '');
  return ended;
}
