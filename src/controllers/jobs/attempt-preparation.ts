import { cancelEventOf } from '../../core/jobs/cancel-request.js';
import { sizeOf } from '../../core/compute/compute-spec.js';
import { findSku } from '../../core/compute/sku-catalogue.js';
import type { Job } from '../../core/jobs/job.js';
import { transition } from '../../core/jobs/job-lifecycle.js';
import type { ResourceOf } from '../../core/resources/resource.js';
import { revokeJobTokens } from '../../services/identity/workload-tokens.js';
import { prepareAttempt } from '../../services/jobs/prepare-attempt.js';
import { updateRunWithin } from '../../services/tracking/run-service.js';
import type { AttemptCompletion } from './attempt-completion.js';
import { clusterShape, progressOf } from './cluster-shape.js';
import { freePort } from './free-port.js';
import { jobKey, type RunnerState } from './runner-state.js';

/**
 * Starts attempts on the nodes the scheduler gave them: marks the nodes busy and the job
 * Preparing, then — in the background — prepares the attempt's folder and environment and
 * launches it on the compute's backend. A cancel asked for meanwhile, or a failed preparation,
 * finishes the job instead.
 */
export class AttemptPreparation {
  constructor(
    private readonly state: RunnerState,
    private readonly completion: AttemptCompletion,
  ) {}

  /** Moves a queued job to Preparing on `nodes` and starts preparing and launching its next attempt. */
  async start(job: Job, nodes: string[], compute: ResourceOf<'compute'>, now: number): Promise<void> {
    const { context, busy } = this.state;
    const progress = transition(progressOf(job), { type: 'start-preparing' }, this.state.policy());
    const attempt = job.attempt + 1;
    const shape = clusterShape(compute);
    await context.store.transaction(async (transaction) => {
      for (const nodeId of nodes)
        await transaction.jobs.updateNode(job.workspace, nodeId, { state: 'busy', job: job.name, idleSince: null });
      await transaction.jobs.update(
        job.workspace,
        job.name,
        // The size and tier are kept with the job: its node-seconds are priced as what it ran on, whatever the compute becomes.
        { state: progress.state, reason: `attempt ${attempt} on ${nodes.join(', ')}`, attempt, nodes, size: shape.size, tier: shape.tier },
        now,
      );
    });
    const prepared: Job = { ...job, state: progress.state, attempt, nodes };
    busy.add(jobKey(job));
    void this.prepareAndLaunch(prepared, compute)
      .catch((error: unknown) =>
        context.logger.error(
          { err: error, job: jobKey(job) },
          `job runner: job ${jobKey(job)} could not be launched nor marked failed; it stays Preparing until the server restarts and requeues it`,
        ),
      )
      .finally(() => {
        busy.delete(jobKey(job));
        this.state.wake();
      });
  }

  private async prepareAndLaunch(job: Job, compute: ResourceOf<'compute'>): Promise<void> {
    const { context, options } = this.state;
    const repositories = context.store.repositories;
    try {
      const backend = options.backendFor(compute);
      if (!backend) throw new Error(`no backend runs compute of type ${compute.spec.type}`);
      const sku = findSku(sizeOf(compute.spec));
      const request = await prepareAttempt(context, job, {
        jobsRoot: options.jobsRoot,
        environmentCache: options.environmentCache,
        trackingUri: options.trackingUriFor(job.workspace),
        serverTrust: options.serverTrust ?? {},
        masterPort: await freePort(),
        resources: { vcpus: sku?.vcpus ?? 4, memoryGiB: sku?.memoryGiB ?? 14, gpus: sku?.gpus ?? 0 },
        nodes: job.nodes,
      });
      const current = await repositories.jobs.get(job.workspace, job.name);
      // A later attempt started meanwhile (by the server that leads now): that one is the job's; its tokens are its own.
      if (current && current.attempt !== job.attempt) return;
      // Not ours to launch any more (a restart requeued it meanwhile): the token just issued is not needed.
      if (current?.state !== 'Preparing') return void (await revokeJobTokens(context, job));
      // This server's lease may have lapsed while the attempt was prepared: the job stays Preparing, and the server
      // that leads now requeues or adopts it (restart-recovery.ts), so it is launched once, there.
      if (options.mayLaunch && !options.mayLaunch()) {
        context.logger.warn({ job: jobKey(job) }, 'job runner: not launching: this server no longer holds the controllers lease');
        return;
      }
      const cancel = cancelEventOf(current.stopRequest);
      if (cancel) {
        await this.completion.finish(current, cancel, this.state.now());
        return;
      }
      const { handle } = await backend.launch(request);
      const now = this.state.now();
      const progress = transition(progressOf(current), { type: 'start-running' }, this.state.policy());
      // The job and its run say Running in one commit; a run deleted meanwhile keeps its status.
      await context.store.transaction(async (transaction) => {
        await transaction.jobs.update(job.workspace, job.name, { state: progress.state, reason: null, handle, startedAt: now }, now);
        await updateRunWithin(transaction, job.workspace, job.runId, { status: 'RUNNING' });
      });
    } catch (error) {
      const now = this.state.now();
      const current = (await repositories.jobs.get(job.workspace, job.name)) ?? job;
      if (current.state !== 'Preparing') return;
      await this.completion.finish(current, { type: 'preparation-failed', reason: (error as Error).message }, now);
    }
  }
}
