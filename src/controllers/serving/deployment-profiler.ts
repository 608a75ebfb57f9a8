import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { recommendCapacity } from '../../core/endpoints/capacity-recommendation.js';
import { type DeploymentProfile, type ProfileStep, summarizeStep } from '../../core/endpoints/deployment-profile.js';
import { TrellisError } from '../../core/errors.js';
import type { Caller, Context } from '../../services/context.js';
import { getDeployment } from '../../services/endpoints/deployment-service.js';
import { getCredentials } from '../../services/endpoints/endpoint-service.js';
import type { PoolStatus } from '../../serving/deployment-pool.js';
import { runClosedLoop } from '../../serving/load-run.js';
import { processGroupUsage } from '../../serving/process-usage.js';

export interface ProfileInput {
  workspace: string;
  endpoint: string;
  deployment: string;
  /** The request file's text, and its content type. */
  request: string;
  contentType: string;
  concurrency: number[];
  durationSeconds: number;
  targetLatencyMs: number;
  targetRps?: number | undefined;
  /** This server's URL, where the endpoint's scoring route answers. */
  serverUrl: string;
}

/** How often an instance's memory is read during a step: its peak is what sizing needs. */
const memorySampleMs = 250;

/**
 * Profiles online deployments: a load test in concurrency steps against the endpoint's own scoring
 * route (with its key, addressed to the deployment), CPU time and peak memory of each instance's
 * processes per step, and the sizing core/endpoints/capacity-recommendation.ts decides from them.
 * The report is stored after each step, so a client follows it by reading it. Bounded: at most
 * 8 steps of 30 s (contract/deployment-profiles.ts), and a profile stops with the server.
 */
export class DeploymentProfiler {
  /** Profiles running in this process, to stop them on close. */
  private readonly running = new Map<string, AbortController>();

  constructor(
    private readonly context: Context,
    private readonly poolStatus: (workspace: string, endpoint: string, deployment: string) => PoolStatus | undefined,
  ) {}

  /** Checks the deployment can be profiled, stores the profile as Running and starts it; returns at once. */
  async start(caller: Caller, input: ProfileInput): Promise<DeploymentProfile> {
    const { workspace, endpoint } = input;
    const deployment = await getDeployment(this.context, workspace, endpoint, input.deployment);
    const pids = this.instancePids(input);
    if (deployment.state !== 'Succeeded' || pids.length === 0)
      throw new TrellisError(
        'DeploymentNotReady',
        409,
        `deployment '${deployment.name}' of '${endpoint}' is ${deployment.state}${deployment.reason ? ` (${deployment.reason})` : ''}, with ${pids.length} instance(s) ready; profile it once it is Succeeded: trellis online-deployment show --name ${deployment.name} --endpoint-name ${endpoint}`,
      );
    const profile: DeploymentProfile = {
      id: randomUUID(),
      workspace,
      endpoint,
      deployment: deployment.name,
      state: 'Running',
      error: null,
      settings: {
        concurrency: input.concurrency,
        durationSeconds: input.durationSeconds,
        targetLatencyMs: input.targetLatencyMs,
        targetRps: input.targetRps ?? null,
      },
      instanceType: deployment.spec.instance_type ?? null,
      instances: pids.length,
      steps: [],
      recommendation: null,
      startedBy: caller.actor,
      startedAt: this.context.clock().getTime(),
      finishedAt: null,
    };
    await this.context.store.repositories.deploymentProfiles.put(profile);
    const abort = new AbortController();
    this.running.set(profile.id, abort);
    void this.run(profile, input, abort.signal).finally(() => this.running.delete(profile.id));
    return profile;
  }

  /** A profile of the deployment; one left Running by a server that stopped reads as Failed. */
  async get(workspace: string, endpoint: string, deployment: string, id: string): Promise<DeploymentProfile> {
    await getDeployment(this.context, workspace, endpoint, deployment);
    const profile = await this.context.store.repositories.deploymentProfiles.get(workspace, endpoint, deployment, id);
    if (!profile)
      throw new TrellisError(
        'ProfileNotFound',
        404,
        `deployment '${deployment}' of '${endpoint}' has no profile '${id}'; list them with: trellis online-deployment show-profile --name ${deployment} --endpoint-name ${endpoint}`,
      );
    return this.orphaned(profile);
  }

  /** The deployment's profiles, newest first. */
  async list(workspace: string, endpoint: string, deployment: string): Promise<DeploymentProfile[]> {
    await getDeployment(this.context, workspace, endpoint, deployment);
    const profiles = await this.context.store.repositories.deploymentProfiles.list(workspace, endpoint, deployment);
    return profiles.map((profile) => this.orphaned(profile));
  }

  /** Stops the load of every running profile (the server is stopping). */
  close(): void {
    for (const abort of this.running.values()) abort.abort();
  }

  private orphaned(profile: DeploymentProfile): DeploymentProfile {
    if (profile.state !== 'Running' || this.running.has(profile.id)) return profile;
    return { ...profile, state: 'Failed', error: 'the server stopped during the load test; start a new profile' };
  }

  private instancePids(input: Pick<ProfileInput, 'workspace' | 'endpoint' | 'deployment'>): number[] {
    const status = this.poolStatus(input.workspace, input.endpoint, input.deployment);
    return (status?.instances ?? []).flatMap((instance) =>
      instance.state === 'ready' && instance.pid !== undefined ? [instance.pid] : [],
    );
  }

  private async run(profile: DeploymentProfile, input: ProfileInput, signal: AbortSignal): Promise<void> {
    const folder = await mkdtemp(join(tmpdir(), 'trellis-profile-'));
    const store = this.context.store.repositories.deploymentProfiles;
    try {
      const bodyFile = join(folder, 'request');
      await writeFile(bodyFile, input.request);
      const credentials = await getCredentials(this.context, input.workspace, input.endpoint, 'online');
      const credential = 'primaryKey' in credentials ? credentials.primaryKey : credentials.accessToken;
      const path = `${input.workspace === 'default' ? '' : `/workspaces/${input.workspace}`}/endpoints/${input.endpoint}/score`;
      for (const [index, concurrency] of input.concurrency.entries()) {
        if (signal.aborted) throw new Error('the server stopped during the load test');
        const pids = this.instancePids(input);
        const memory = new PeakMemory(pids);
        const before = await processGroupUsage(pids);
        const result = await runClosedLoop({
          url: `${input.serverUrl}${path}`,
          credential,
          bodyFile,
          contentType: input.contentType,
          deployment: profile.deployment,
          concurrency,
          durationSeconds: input.durationSeconds,
          outFile: join(folder, `step-${index}.json`),
          signal,
        });
        const after = await processGroupUsage(pids);
        const peak = await memory.stop();
        const step: ProfileStep = {
          ...summarizeStep(concurrency, result.rows, result.durationMs),
          cpuCoresPerInstance: cpuCores(pids, before, after, result.durationMs),
          peakMemoryMiBPerInstance: peak === undefined ? null : Math.round((peak / 1024 / 1024) * 10) / 10,
        };
        profile.steps.push(step);
        if (step.latencyMs === null) throw new Error(noSuccess(step, result.failures[0]));
        await store.put(profile);
      }
      profile.recommendation = recommendCapacity({
        steps: profile.steps,
        instances: profile.instances,
        instanceType: profile.instanceType ?? undefined,
        targets: { latencyMs: input.targetLatencyMs, requestsPerSecond: input.targetRps },
      });
      profile.state = 'Succeeded';
    } catch (error) {
      profile.state = 'Failed';
      profile.error = error instanceof Error ? error.message : String(error);
    } finally {
      profile.finishedAt = this.context.clock().getTime();
      await store
        .put(profile)
        .catch((error: unknown) =>
          this.context.logger.error({ err: error, profile: profile.id }, 'profile: the report could not be stored'),
        );
      await rm(folder, { recursive: true, force: true });
    }
  }
}

/** Why a step had no successful answer, quoting the first answer the deployment gave. */
function noSuccess(step: ProfileStep, first: { status: number; body: string } | undefined): string {
  const isRefused = Object.keys(step.statuses).every((status) => Number(status) >= 400 && Number(status) < 500);
  const answer = first ? (first.status === 0 ? `no answer (${first.body})` : `HTTP ${first.status}: ${first.body}`) : 'no answer';
  return isRefused
    ? `the deployment refused every request of the request file (${step.requests} at concurrency ${step.concurrency}); it answered ${answer}`
    : `no request succeeded at concurrency ${step.concurrency} (${step.requests} sent); the first answer was ${answer}`;
}

/** CPU cores busy per instance during the step, averaged over the instances; null without /proc. */
function cpuCores(
  pids: number[],
  before: Map<number, { cpuSeconds: number }> | undefined,
  after: typeof before,
  durationMs: number,
): number | null {
  if (!before || !after || pids.length === 0) return null;
  const used = pids.reduce((sum, pid) => sum + Math.max(0, (after.get(pid)?.cpuSeconds ?? 0) - (before.get(pid)?.cpuSeconds ?? 0)), 0);
  return Math.round((used / pids.length / Math.max(0.001, durationMs / 1000)) * 100) / 100;
}

/** The largest resident memory of one instance, read every `memorySampleMs` until stopped. */
class PeakMemory {
  private peak: number | undefined;
  private readonly timer: NodeJS.Timeout;
  private sampling: Promise<void> = Promise.resolve();

  constructor(private readonly pids: number[]) {
    this.timer = setInterval(() => (this.sampling = this.sample()), memorySampleMs);
    this.sampling = this.sample();
  }

  async stop(): Promise<number | undefined> {
    clearInterval(this.timer);
    await this.sampling;
    await this.sample();
    return this.peak;
  }

  private async sample(): Promise<void> {
    const usage = await processGroupUsage(this.pids);
    if (!usage) return;
    for (const { residentBytes } of usage.values()) this.peak = Math.max(this.peak ?? 0, residentBytes);
  }
}
