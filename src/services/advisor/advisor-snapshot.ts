import { requiresEncryptedArtifacts } from '../../artifacts/encrypted/encrypted-artifact-store.js';
import { checkpointAfterSeconds } from '../../core/advisor/live/live-reliability-rules.js';
import { isRecent, runningSeconds } from '../../core/advisor/live/live-rule.js';
import {
  type ComputeFacts,
  type DeploymentFacts,
  type InstallationFacts,
  type JobFacts,
  type LiveSnapshot,
  liveWindows,
  type ModelFacts,
  type MonitorFacts,
  type RoleAssignmentFacts,
  type WorkspaceAssignmentFacts,
} from '../../core/advisor/live/live-snapshot.js';
import { computeDefaults } from '../../core/azureml/compute-schema.js';
import { isComputeOfType, tierOf } from '../../core/compute/compute-spec.js';
import { roleGrants } from '../../core/identity/roles/action-match.js';
import type { JobLineage } from '../../core/jobs/job.js';
import type { ResourceOf } from '../../core/resources/resource.js';
import type { AdvisorDeploymentRow } from '../../store/advisor-repository.js';
import type { Repositories } from '../../store/store.js';
import type { Context } from '../context.js';
import { allRoles } from '../identity/role-catalogue.js';
import { checkpointPrefix } from '../jobs/prepare-attempt.js';
import { definitionOf } from '../monitoring/run-monitor.js';
import { requireWorkspace } from '../resource-service.js';

/** What the server says of itself: where it listens and whether local authentication is on (from its configuration). */
export type ServerFacts = Pick<InstallationFacts, 'host' | 'listensOnLoopbackOnly' | 'localAuth' | 'publicUrl' | 'servesTls'>;

/**
 * Reads what the live rules look at in one workspace, from the store (and, for the checkpoint
 * folders of long low-priority jobs, its artifact store), as plain facts at the context's clock.
 * `server`: the server's own facts, given when the caller may see server-wide rules (role
 * assignments at '/', tokens, the audit log's actors); without it those rules are left out.
 * `readsAssignments`: the caller may read the workspace's own role assignments (they name principals).
 */
export async function gatherSnapshot(
  context: Context,
  workspace: string,
  server?: ServerFacts,
  readsAssignments = false,
): Promise<LiveSnapshot> {
  const found = await requireWorkspace(context, workspace);
  const now = context.clock().getTime();
  const repositories = context.store.repositories;
  const [holdings, computes, environments, models, nodes, jobRows, sweeps, endpoints, deployments, schedules, installation, assignments] =
    await Promise.all([
      repositories.advisor.holdings(workspace),
      repositories.resources.listAll(workspace, 'compute'),
      repositories.resources.listAll(workspace, 'environment'),
      repositories.resources.listAll(workspace, 'model'),
      repositories.advisor.nodesUpSince(workspace, now - liveWindows.utilization),
      repositories.advisor.jobsSince(workspace, now - liveWindows.usage),
      repositories.advisor.sweepsSince(workspace, now - liveWindows.recent),
      repositories.endpoints.listEndpoints(workspace),
      repositories.advisor.deployments(workspace),
      repositories.schedules.list(workspace),
      server ? installationFacts(repositories, server, now) : undefined,
      readsAssignments ? workspaceAssignmentFacts(repositories, workspace) : undefined,
    ]);
  const computeFacts = computes.map(computeFactsOf);
  const jobs = jobRows.map((row): JobFacts => ({ ...row, environment: environmentOf(row.lineage) }));
  await readCheckpoints(context, workspace, jobs, computeFacts, now);
  return {
    now,
    workspace: {
      name: workspace,
      tags: found.tags,
      encryptsArtifacts: requiresEncryptedArtifacts(found.spec),
      customerManagedKey: found.spec.customer_managed_key !== undefined,
      holdings,
    },
    installation,
    workspaceAssignments: assignments,
    computes: computeFacts,
    nodes,
    jobs,
    sweeps: sweeps.map((sweep) => ({
      name: sweep.name,
      state: sweep.state,
      submittedAt: sweep.submittedAt,
      endedAt: sweep.endedAt,
      samplingAlgorithm: sweep.spec.sampling_algorithm.type,
      hasEarlyTermination: sweep.spec.early_termination !== undefined && sweep.spec.early_termination !== null,
    })),
    endpoints: endpoints.map((endpoint) => ({ name: endpoint.name, type: endpoint.type, tags: endpoint.tags, traffic: endpoint.traffic })),
    deployments: deployments.map(deploymentFactsOf),
    models: models.map(modelFactsOf),
    monitors: schedules.filter((schedule) => schedule.template.type === 'monitor').map(monitorFactsOf),
    environments: environments.map((environment) => ({
      name: environment.name,
      version: environment.version ?? '',
      createdAt: Date.parse(environment.createdAt),
    })),
  };
}

function computeFactsOf(compute: ResourceOf<'compute'>): ComputeFacts {
  const spec = compute.spec;
  const cluster = isComputeOfType(spec, 'amlcompute') ? spec : undefined;
  return {
    name: compute.name,
    type: spec.type,
    tier: tierOf(spec),
    minInstances: cluster?.min_instances ?? 0,
    maxInstances: cluster?.max_instances ?? null,
    idleTimeBeforeScaleDown: cluster?.idle_time_before_scale_down ?? computeDefaults.idle_time_before_scale_down,
    createdAt: Date.parse(compute.createdAt),
    updatedAt: Date.parse(compute.updatedAt),
  };
}

/** The workspace environment a job ran in (curated and inline ones are not the workspace's). */
function environmentOf(lineage: JobLineage): JobFacts['environment'] {
  const environment = lineage.environment;
  if ('inline' in environment || environment.curated) return null;
  return { name: environment.name, version: environment.version };
}

/** Counts the files in the checkpoint folders of the jobs TRL-REL-102 judges: long, recent, on low-priority clusters. */
async function readCheckpoints(
  context: Context,
  workspace: string,
  jobs: JobFacts[],
  computes: ComputeFacts[],
  now: number,
): Promise<void> {
  const lowPriority = new Set(computes.filter((compute) => compute.tier === 'low_priority').map((compute) => compute.name));
  const judged = jobs.filter(
    (job) => lowPriority.has(job.compute) && isRecent(job, now, liveWindows.recent) && runningSeconds(job, now) >= checkpointAfterSeconds,
  );
  if (judged.length === 0) return;
  const artifacts = context.artifactsFor(workspace);
  await Promise.all(
    judged.map(async (job) => {
      const listing = await artifacts.list(checkpointPrefix(job), { recursive: true, limit: 10 });
      job.checkpointFiles = listing.items.filter((item) => !item.isDirectory).length;
    }),
  );
}

function deploymentFactsOf(row: AdvisorDeploymentRow): DeploymentFacts {
  const spec = row.spec;
  const scale = 'scale_settings' in spec ? spec.scale_settings : undefined;
  const collector = 'data_collector' in spec ? spec.data_collector : undefined;
  const collections = collector?.collections;
  const model = row.lineage.model;
  return {
    endpoint: row.endpoint,
    name: row.name,
    type: row.type,
    tags: spec.tags ?? {},
    state: row.state,
    scaleType: row.type === 'batch' ? null : (scale?.type ?? 'default'),
    instanceCount: row.instanceCount,
    minInstances: scale?.type === 'target_utilization' ? (scale.min_instances ?? null) : null,
    maxInstances: scale?.type === 'target_utilization' ? (scale.max_instances ?? null) : null,
    collectsData: collections?.model_inputs?.enabled === true || collections?.model_outputs?.enabled === true,
    model: model ? { name: model.name, version: model.version } : null,
    environment: row.lineage.environment && !row.lineage.environment.curated ? row.lineage.environment : null,
    updatedAt: row.updatedAt,
  };
}

/** The job or run a model version came from: its MLflow lineage, a job-output or runs:/ path, or the tags a job's outputs carry. */
function modelFactsOf(model: ResourceOf<'model'>): ModelFacts {
  const lineage = model.status.lineage;
  const recorded = typeof lineage === 'object' && lineage !== null ? lineage : {};
  const job =
    ('job' in recorded && typeof recorded.job === 'string' ? recorded.job : undefined) ??
    /^azureml:\/\/jobs\/([^/]+)/i.exec(model.spec.path)?.[1] ??
    model.tags['trellis.job'];
  const run =
    ('run' in recorded &&
    typeof recorded.run === 'object' &&
    recorded.run !== null &&
    'id' in recorded.run &&
    typeof recorded.run.id === 'string'
      ? recorded.run.id
      : undefined) ??
    /^runs:\/([^/]+)/.exec(model.spec.path)?.[1] ??
    model.tags['mlflow.run_id'];
  return {
    name: model.name,
    version: model.version ?? '',
    madeBy: job === undefined && run === undefined ? null : { ...(job ? { job } : {}), ...(run ? { run } : {}) },
  };
}

function monitorFactsOf(schedule: Parameters<typeof definitionOf>[0]): MonitorFacts {
  const definition = definitionOf(schedule);
  return { name: schedule.name, enabled: schedule.enabled, endpoint: definition.endpoint, deployment: definition.deployment };
}

/** The role assignments at the workspace itself, each with its role's permissions. */
async function workspaceAssignmentFacts(repositories: Repositories, workspace: string): Promise<WorkspaceAssignmentFacts[]> {
  const [assignments, roles, principals] = await Promise.all([
    repositories.identity.listAssignments({ scope: `/workspaces/${workspace}` }),
    allRoles(repositories.identity),
    repositories.identity.listPrincipals(),
  ]);
  const kindOf = new Map(principals.map((principal) => [principal.name, principal.kind]));
  return assignments.map((assignment) => {
    const role = roles.find((candidate) => candidate.id === assignment.roleId);
    return {
      id: assignment.id,
      role: role?.name ?? assignment.roleId,
      permissions: role?.permissions ?? [],
      principal: assignment.principal,
      principalKind: kindOf.get(assignment.principal) ?? 'user',
    };
  });
}

async function installationFacts(repositories: Repositories, server: ServerFacts, now: number): Promise<InstallationFacts> {
  const [assignments, roles, principals, tokens, activity] = await Promise.all([
    repositories.identity.listAssignments({ scope: '/' }),
    allRoles(repositories.identity),
    repositories.identity.listPrincipals(),
    repositories.advisor.validPersonalTokens(now),
    repositories.advisor.actorScopesSince(new Date(now - liveWindows.activity).toISOString()),
  ]);
  const kindOf = new Map(principals.map((principal) => [principal.name, principal.kind]));
  const serverAssignments = await Promise.all(
    assignments.map(async (assignment): Promise<RoleAssignmentFacts> => {
      const role = roles.find((candidate) => candidate.id === assignment.roleId);
      const principalKind = kindOf.get(assignment.principal) ?? 'user';
      const members = principalKind === 'group' ? await repositories.identity.membersOf(assignment.principal) : [assignment.principal];
      return {
        id: assignment.id,
        role: role?.name ?? assignment.roleId,
        isBroad: role?.permissions.some((permission) => permission.actions.includes('*')) ?? false,
        isOwner: role !== undefined && roleGrants(role, 'Microsoft.Authorization/roleAssignments/write'),
        principal: assignment.principal,
        principalKind,
        actors: members.map((member) => `${kindOf.get(member) ?? 'user'}:${member}`),
        scope: assignment.scope,
        createdAt: assignment.createdAt,
      };
    }),
  );
  return { ...server, serverAssignments, tokens, activity };
}
