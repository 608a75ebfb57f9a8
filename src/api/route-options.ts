import type { OidcVerifier } from '../auth/oidc/oidc-verifier.js';
import type { TrellisConfig } from '../config/config.js';
import type { LabTarget } from '../controllers/compute-instances/jupyter-lab-process.js';
import type { ServingController } from '../controllers/serving-controller.js';
import type { LeadershipView } from '../core/leases/leadership.js';
import type { ServingMetrics } from '../serving/serving-metrics.js';
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
  /** Online serving: the serving controller while this server runs it, and a wake that reaches whichever server does. */
  serving?: ServingAccess;
  /** Who runs the controllers (the lease in the database); none: this server alone, always. */
  leadership?: { view(): Promise<LeadershipView>; isLeader(): boolean };
}

/**
 * Online serving as routes see it. Endpoint instances run where the controllers run (the server
 * holding the controllers' lease); on another server `local()` is undefined and a change wakes
 * that server's serving controller through the database.
 */
export interface ServingAccess {
  /** This server's scoring and monitor metrics (its /metrics), whether or not it serves. */
  metrics: ServingMetrics;
  /** The serving controller, while this server runs the controllers; its router answers scoring requests. */
  local(): ServingController | undefined;
  /** Asks the serving controller, here or on the leading server, for a pass soon. */
  wake(): void;
  /** Here: reconciles now and returns when the router has the store's view (a traffic or key change is in force). Elsewhere: wakes the leader. */
  refresh(): Promise<void>;
  /**
   * Several servers on one database: this server's id, and the other servers with a ready
   * instance of an endpoint (the serving placements), in the order to try them. None: this server alone.
   */
  elsewhere?: {
    self: string;
    serversFor(workspace: string, endpoint: string): Promise<{ server: string; address: string }[]>;
  };
}
