import type { OidcVerifier } from '../auth/oidc/oidc-verifier.js';
import type { TrellisConfig } from '../config/config.js';
import type { LabTarget } from '../controllers/compute-instances/jupyter-lab-process.js';
import type { ServingController } from '../controllers/serving-controller.js';
import type { Context } from '../services/context.js';
import type { AccessControl } from '../services/identity/access-control.js';

/** What every route plugin is registered with. */
export interface RouteOptions {
  context: Context;
  config: TrellisConfig;
  /** Decides what a principal may do where; routes whose rule is 'authenticated' check with it. */
  access: AccessControl;
  /** Verifies the configured OpenID provider's access tokens (the one the authenticator uses); none: no issuer configured. */
  oidc?: OidcVerifier | undefined;
  /** The job runner to wake when jobs change, and where attempts' folders live. */
  jobs?: { wake(): void; jobsRoot: string };
  /** The pipeline runner to wake when pipeline jobs change. */
  pipelines?: { wake(): void };
  /** The sweep runner to wake when sweep jobs change. */
  sweeps?: { wake(): void };
  /** The scheduler to wake when schedules change. */
  schedules?: { wake(): void };
  /** The compute instance controller: woken by start/stop/restart; where each running JupyterLab listens. */
  computeInstances?: { wake(): void; targetOf(workspace: string, name: string): LabTarget | undefined };
  /** The serving controller: its router answers scoring requests; woken when endpoints change. */
  serving?: ServingController;
}
