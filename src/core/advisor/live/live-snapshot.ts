import type { PrincipalKind } from '../../identity/principal.js';
import type { Permission } from '../../identity/roles/role-definition.js';

/**
 * What the live rules read of a running workspace: plain facts, gathered from the store by
 * services/advisor/advisor-snapshot.ts, so that every live rule is a pure function of them and a
 * test can write a snapshot by hand. Times are milliseconds since the epoch; durations seconds.
 */
export interface LiveSnapshot {
  /** When the snapshot was taken: the rules' "now". */
  now: number;
  workspace: WorkspaceFacts;
  /**
   * The role assignments at the workspace itself (not the server-wide ones, which cover every
   * workspace and are the server rules' concern); undefined: the caller may not read them, and
   * rules on them are left out.
   */
  workspaceAssignments?: WorkspaceAssignmentFacts[] | undefined;
  /** The server the workspace lives on; undefined: server-wide rules are left out (the caller may not read them). */
  installation?: InstallationFacts | undefined;
  computes: ComputeFacts[];
  /** Cluster nodes that were up at some time in the last `windows.utilization` (removed ones too). */
  nodes: NodeFacts[];
  /** Jobs (steps and trials included) still unfinished, or submitted or ended within `windows.usage`. */
  jobs: JobFacts[];
  /** Sweep jobs unfinished, or submitted or ended within `windows.recent`. */
  sweeps: SweepFacts[];
  endpoints: EndpointFacts[];
  deployments: DeploymentFacts[];
  /** Registered model versions, with where each came from. */
  models: ModelFacts[];
  /** Schedules that create_monitor. */
  monitors: MonitorFacts[];
  /** Environment versions. */
  environments: EnvironmentFacts[];
}

/** How far back the live rules look, in milliseconds. */
export const liveWindows = {
  /** Sweeps, jobs' queue waits, low-priority jobs: what ran recently. */
  recent: 7 * 86_400_000,
  /** Cluster utilisation. */
  utilization: 7 * 86_400_000,
  /** Role assignments: what a principal changed. */
  activity: 30 * 86_400_000,
  /** Environments: what jobs and deployments used. */
  usage: 90 * 86_400_000,
} as const;

export interface WorkspaceFacts {
  name: string;
  tags: Record<string, string>;
  /** Artifacts are sealed at rest (hbi_workspace or a customer_managed_key: requiresEncryptedArtifacts). */
  encryptsArtifacts: boolean;
  customerManagedKey: boolean;
  /** What it holds that is stored at rest: data, model and code versions, jobs, endpoints. */
  holdings: { assets: number; jobs: number; endpoints: number };
}

/** Facts about the server itself, passed in by the caller (configuration, not the store). */
export interface InstallationFacts {
  /** The address it listens on. */
  host: string;
  listensOnLoopbackOnly: boolean;
  /** Requests from loopback without credentials act as the local owner (config auth.local). */
  localAuth: boolean;
  /** The address clients reach it at when that is not where it listens (config public_url: a proxy, a Kubernetes service). */
  publicUrl: string | null;
  /** It serves HTTPS itself (config tls). */
  servesTls: boolean;
  /** Role assignments at the server scope ('/'). */
  serverAssignments: RoleAssignmentFacts[];
  /** Personal access tokens not revoked and not expired. */
  tokens: TokenFacts[];
  /** Who changed what within `windows.activity`, from the audit log: each actor with the workspaces (or '/', the server) it changed. */
  activity: ActorActivity[];
}

export interface RoleAssignmentFacts {
  id: string;
  role: string;
  /** The role grants every action of its scope (Owner, Contributor, a custom role with '*'). */
  isBroad: boolean;
  /** Owner: it may assign roles. */
  isOwner: boolean;
  principal: string;
  principalKind: 'user' | 'group' | 'servicePrincipal';
  /** For a group, its members (as actors: `user:alice`); for others, the principal as actor. */
  actors: string[];
  scope: string;
  createdAt: number;
}

export interface WorkspaceAssignmentFacts {
  id: string;
  role: string;
  /** What the role grants, so a rule can ask it about any action (custom roles included). */
  permissions: Permission[];
  principal: string;
  principalKind: PrincipalKind;
}

export interface TokenFacts {
  id: string;
  name: string;
  principal: string;
  createdAt: number;
  expiresAt: number | null;
  lastUsedAt: number | null;
}

export interface ActorActivity {
  /** As the audit log names it: `user:alice`, `servicePrincipal:ci`, `job:x for user:alice`. */
  actor: string;
  /** Workspace names, and '/' for the server scope. */
  scopes: string[];
}

export interface ComputeFacts {
  name: string;
  /** amlcompute, computeinstance, kubernetes, slurm, ... */
  type: string;
  tier: 'dedicated' | 'low_priority';
  minInstances: number;
  maxInstances: number | null;
  idleTimeBeforeScaleDown: number;
  createdAt: number;
  updatedAt: number;
}

export interface NodeFacts {
  compute: string;
  nodeId: string;
  createdAt: number;
  removedAt: number | null;
}

export interface JobFacts {
  name: string;
  compute: string;
  /** Queued, Preparing, Running, Finalizing, Completed, Failed, Canceled, ... */
  state: string;
  submittedAt: number;
  /** When it first left the queue (its first Preparing); null while it never has. */
  dequeuedAt: number | null;
  /** The running attempt's start (null before one starts). */
  startedAt: number | null;
  endedAt: number | null;
  instanceCount: number;
  /** Node-seconds over the attempts that ended. */
  nodeSeconds: number;
  environment: { name: string; version: string } | null;
  /** Files in its checkpoint folder; undefined when not looked at (only low-priority jobs long enough are). */
  checkpointFiles?: number | undefined;
}

export interface SweepFacts {
  name: string;
  state: string;
  submittedAt: number;
  endedAt: number | null;
  samplingAlgorithm: string;
  hasEarlyTermination: boolean;
}

export interface EndpointFacts {
  name: string;
  type: 'online' | 'batch';
  tags: Record<string, string>;
  /** Live traffic per deployment, percent. */
  traffic: Record<string, number>;
}

export interface DeploymentFacts {
  endpoint: string;
  name: string;
  type: 'online' | 'batch';
  tags: Record<string, string>;
  state: string;
  /** default (a fixed instance_count) or target_utilization; batch deployments have none. */
  scaleType: 'default' | 'target_utilization' | null;
  instanceCount: number;
  minInstances: number | null;
  maxInstances: number | null;
  /** Its data_collector enables model_inputs or model_outputs. */
  collectsData: boolean;
  /** The registered model it serves, as its lineage fixed it (null: none). */
  model: { name: string; version: string } | null;
  environment: { name: string; version: string | null } | null;
  updatedAt: number;
}

export interface ModelFacts {
  name: string;
  version: string;
  /** The job or run that made it, when it was registered from one; null: registered from files. */
  madeBy: { job?: string | undefined; run?: string | undefined } | null;
}

export interface MonitorFacts {
  name: string;
  enabled: boolean;
  endpoint: string | null;
  /** null: every deployment of the endpoint. */
  deployment: string | null;
}

export interface EnvironmentFacts {
  name: string;
  version: string;
  createdAt: number;
}

/** A snapshot with nothing in it, for tests and for a workspace that holds nothing. */
export function emptySnapshot(workspace: string, now: number): LiveSnapshot {
  return {
    now,
    workspace: {
      name: workspace,
      tags: {},
      encryptsArtifacts: false,
      customerManagedKey: false,
      holdings: { assets: 0, jobs: 0, endpoints: 0 },
    },
    computes: [],
    nodes: [],
    jobs: [],
    sweeps: [],
    endpoints: [],
    deployments: [],
    models: [],
    monitors: [],
    environments: [],
  };
}
