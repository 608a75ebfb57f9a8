import type { Context } from '../../services/context.js';
import { abandonRollout, advanceRollout } from '../../services/endpoints/rollout-service.js';
import type { EndpointRouter } from '../../serving/endpoint-router.js';

/**
 * Moves each active rollout on by the statistics the router saw (the step logic is
 * services/endpoints/rollout-service.ts over core/endpoints). A rollout whose step fails is
 * abandoned with that reason, which puts its traffic back.
 */
export class RolloutController {
  constructor(
    private readonly context: Context,
    private readonly router: EndpointRouter,
  ) {}

  /** Advances every active rollout one step, if its observation window allows. */
  async reconcile(): Promise<void> {
    for (const rollout of await this.context.store.repositories.endpoints.activeRollouts()) {
      const now = this.context.clock().getTime();
      const name = `${rollout.workspace}/${rollout.endpoint}`;
      await advanceRollout(this.context, rollout, (deployment, windowMs) =>
        this.router.stats.snapshot(`${name}/${deployment}`, windowMs, now),
      ).catch((error: unknown) =>
        abandonRollout(this.context, rollout, (error as Error).message).catch((abandonError: unknown) =>
          this.context.logger.error(
            { err: abandonError, cause: (error as Error).message, endpoint: name },
            `rollout controller: the rollout of endpoint ${name} failed a step and could not be abandoned; it stays active, with its traffic as it was, and is tried again at the next pass`,
          ),
        ),
      );
    }
  }
}
