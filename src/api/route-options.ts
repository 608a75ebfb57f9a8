import type { TrellisConfig } from '../config/config.js';
import type { ServingController } from '../controllers/serving-controller.js';
import type { Context } from '../services/context.js';

/** What every route plugin is registered with. */
export interface RouteOptions {
  context: Context;
  config: TrellisConfig;
  /** The job runner to wake when jobs change, and where attempts' folders live. */
  jobs?: { wake(): void; jobsRoot: string };
  /** The serving controller: its router answers scoring requests; woken when endpoints change. */
  serving?: ServingController;
}
