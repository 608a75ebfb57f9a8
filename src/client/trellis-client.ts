import { advisorRoutes } from '../contract/advisor.js';
import { applyRoutes } from '../contract/apply.js';
import { auditRoutes } from '../contract/audit.js';
import { batchEndpointRoutes as batch } from '../contract/batch-endpoints.js';
import { computeInstanceRoutes } from '../contract/compute-instances.js';
import { computeRoutes } from '../contract/computes.js';
import { costRoutes } from '../contract/cost.js';
import { deploymentProfileRoutes as profiles } from '../contract/deployment-profiles.js';
import { datastoreRoutes as datastores } from '../contract/datastores.js';
import { endpointStatsRoutes } from '../contract/endpoint-stats.js';
import { experimentKeysRoutes } from '../contract/experiment-keys.js';
import { healthRoutes } from '../contract/health.js';
import { jobRoutes, type JobLogEvent } from '../contract/jobs.js';
import { metricSeriesRoutes } from '../contract/metric-series.js';
import { onlineEndpointRoutes as online } from '../contract/online-endpoints.js';
import { pipelineRoutes } from '../contract/pipelines.js';
import { registryRoutes, shareRoute } from '../contract/registries.js';
import { sweepRoutes } from '../contract/sweeps.js';
import { scheduleRoutes } from '../contract/schedules.js';
import { monitorRoutes } from '../contract/monitors.js';
import { policyRoutes } from '../contract/policy.js';
import { assetRoutes, type ContainedKind, kindRoutes, namedRoutes, resolveRoute } from '../contract/resources.js';
import { pathOf } from '../contract/route.js';
import { uploadRoutes } from '../contract/uploads.js';
import { workspaceRoutes } from '../contract/workspaces.js';
import type { Pillar as AdvisorPillar } from '../core/advisor/advisor-rule.js';
import type { Granularity } from '../core/cost/cost-series.js';
import type { RegistryKind } from '../core/registries/registry-asset-id.js';
import { isAssetKind } from '../core/resources/kinds.js';
import type { ApplyRequestBody, PolicyAssignmentRequest, PolicyExemptionRequest, PolicyStateBody, UploadedBody } from './answers.js';
import { type CallOptions, HttpClient, problemOf } from './http-client.js';
import { MlflowClient } from './mlflow-client.js';

export type * from './answers.js';
export type * from './mlflow-answers.js';
export { MlflowClient } from './mlflow-client.js';

/**
 * The typed HTTP client the CLI, the studio and the tests use: the server only through HTTP. Each
 * method calls a route declared in src/contract, so its arguments and answer follow the route.
 */
export class TrellisClient extends HttpClient {
  health = () => this.call(healthRoutes.live);
  ready = () => this.call(healthRoutes.ready);
  /** Which server runs the controllers, and whether the one answering does. */
  leader = () => this.call(healthRoutes.leader);

  /** A workspace's MLflow REST API (the routes of src/contract/mlflow); no name: the default workspace, at the server root. */
  mlflow = (workspace?: string) => new MlflowClient(this, workspace);

  /** The advisor: its rules, the static check of files (format sarif: a SARIF log), and the live rules on a workspace. */
  listAdvisorRules = (query: { pillar?: AdvisorPillar; kind?: 'static' | 'live' } = {}) => this.call(advisorRoutes.rules, { query });
  checkAdvisorFiles = (files: Array<{ name: string; text: string }>, query: { format?: 'json' | 'sarif' } = {}) =>
    this.call(advisorRoutes.check, { body: { files }, query });
  advisorRecommendations = (workspace: string, query: { pillar?: AdvisorPillar } = {}) =>
    this.call(advisorRoutes.recommendations, { params: { workspace }, query });
  advisorScore = (workspace: string) => this.call(advisorRoutes.score, { params: { workspace } });

  listWorkspaces = (query: { limit?: number; pageToken?: string } = {}) => this.call(workspaceRoutes.list, { query });
  listRegistries = () => this.call(registryRoutes.list, {});
  /** A registry from its Azure ML file, as parsed YAML. */
  createRegistry = (body: Record<string, unknown>) => this.call(registryRoutes.create, { body });
  getRegistry = (registry: string) => this.call(registryRoutes.get, { params: { registry } });
  deleteRegistry = (registry: string, force = false) =>
    this.call(registryRoutes.delete, { params: { registry }, query: force ? { force: 'true' } : {} });
  /** `az ml model share`: copies a workspace's asset version into a registry with its provenance. */
  share = (
    workspace: string,
    kind: RegistryKind,
    name: string,
    version: string,
    body: { registryName: string; shareWithName?: string; shareWithVersion?: string },
  ) => this.call(shareRoute(kind), { params: { workspace, name, version }, body });
  getWorkspace = (name: string) => this.call(workspaceRoutes.get, { params: { workspace: name } });
  createWorkspace = (body: Record<string, unknown>) => this.call(workspaceRoutes.create, { body });
  deleteWorkspace = (name: string, ifMatch?: string, options: { force?: boolean } = {}) =>
    this.call(workspaceRoutes.delete, {
      params: { workspace: name },
      ...(ifMatch ? { ifMatch } : {}),
      ...(options.force ? { query: { force: 'true' as const } } : {}),
    });
  rotateWorkspaceKey = (name: string, label?: string) =>
    this.call(workspaceRoutes.rotateKey, { params: { workspace: name }, body: label ? { label } : {} });
  patchWorkspace = (name: string, body: Record<string, unknown>, ifMatch: string) =>
    this.call(workspaceRoutes.patch, { params: { workspace: name }, body, ifMatch });

  apply = (workspace: string, body: ApplyRequestBody) =>
    this.call(applyRoutes.apply, { params: { workspace }, body: body as CallOptions<typeof applyRoutes.apply>['body'] });

  list = (workspace: string, kind: ContainedKind, query: { name?: string; tag?: string[]; limit?: number; pageToken?: string } = {}) => {
    const { name, ...rest } = query;
    return name === undefined
      ? this.call(kindRoutes(kind).list, { params: { workspace }, query: rest })
      : this.call(assetRoutes(kind).versions, { params: { workspace, name }, query: rest });
  };

  /** One resource; for assets `version` may be a version or 'latest'. */
  get = (workspace: string, kind: ContainedKind, name: string, version: string | null) =>
    version === null || !isAssetKind(kind)
      ? this.call(namedRoutes(kind).get, { params: { workspace, name } })
      : this.call(assetRoutes(kind).get, { params: { workspace, name, version } });
  resolve = (workspace: string, kind: ContainedKind, reference: string) =>
    this.call(resolveRoute, { params: { workspace }, query: { kind, reference } });
  patch = (workspace: string, kind: ContainedKind, name: string, version: string | null, body: Record<string, unknown>, ifMatch: string) =>
    version === null || !isAssetKind(kind)
      ? this.call(namedRoutes(kind).patch, { params: { workspace, name }, body, ifMatch })
      : this.call(assetRoutes(kind).patch, { params: { workspace, name, version }, body, ifMatch });
  delete = (workspace: string, kind: ContainedKind, name: string, version: string | null, ifMatch?: string) =>
    version === null || !isAssetKind(kind)
      ? this.call(namedRoutes(kind).delete, { params: { workspace, name }, ...(ifMatch ? { ifMatch } : {}) })
      : this.call(assetRoutes(kind).delete, { params: { workspace, name, version }, ...(ifMatch ? { ifMatch } : {}) });

  /** Archives (or restores) one version of an asset, or every version of the name. */
  archive = (workspace: string, kind: ContainedKind, name: string, version: string | undefined, archived: boolean) =>
    this.call(archived ? assetRoutes(kind).archive : assetRoutes(kind).restore, {
      params: { workspace, name },
      query: version === undefined ? {} : { version },
    });

  /** Streams one file's bytes (a Node Readable, or any async iterable of chunks) into the workspace's store. */
  uploadFile = (workspace: string, stream: AsyncIterable<Uint8Array>, expectedDigest?: string) =>
    this.request<UploadedBody>('POST', pathOf(uploadRoutes.file.path, { workspace }), {
      stream,
      contentType: 'application/octet-stream',
      ...(expectedDigest ? { query: { digest: expectedDigest } } : {}),
    });
  uploadFolder = (workspace: string, manifest: { files: Array<{ path: string; digest: string; size: number }> }) =>
    this.call(uploadRoutes.folder, { params: { workspace }, body: manifest });

  /** Size of stored content, or undefined when the workspace does not have these bytes. */
  contentInfo = async (workspace: string, digest: string): Promise<{ size: number } | undefined> => {
    const response = await this.fetch(this.urlOf(pathOf(uploadRoutes.content.path, { workspace, digest })), { method: 'HEAD' });
    if (response.status === 404) return undefined;
    if (!response.ok) throw problemOf(response, `checking content ${digest} failed with HTTP ${response.status}`, {});
    return { size: Number(response.headers.get('x-trellis-content-size') ?? response.headers.get('content-length') ?? 0) };
  };
  openContent = async (workspace: string, digest: string): Promise<Response> => {
    const response = await this.fetch(this.urlOf(pathOf(uploadRoutes.content.path, { workspace, digest })));
    if (!response.ok) throw problemOf(response, await response.text(), {});
    return response;
  };

  submitJob = (
    workspace: string,
    body: {
      fileName: string;
      text: string;
      uploads: Record<string, unknown>;
      inlined: Record<string, string>;
      defaultExperimentName?: string;
    },
  ) => this.call(jobRoutes.submit, { params: { workspace }, body: body as JobSubmitBody });
  getJob = (workspace: string, name: string) => this.call(jobRoutes.get, { params: { workspace, name } });
  submitPipeline = (workspace: string, body: Parameters<TrellisClient['submitJob']>[1]) =>
    this.call(pipelineRoutes.submit, { params: { workspace }, body: body as JobSubmitBody });
  getPipeline = (workspace: string, name: string) => this.call(pipelineRoutes.get, { params: { workspace, name } });
  listPipelines = (workspace: string, query: { limit?: number } = {}) => this.call(pipelineRoutes.list, { params: { workspace }, query });
  cancelPipeline = (workspace: string, name: string) => this.call(pipelineRoutes.cancel, { params: { workspace, name } });
  submitSweep = (workspace: string, body: Parameters<TrellisClient['submitJob']>[1]) =>
    this.call(sweepRoutes.submit, { params: { workspace }, body: body as JobSubmitBody });
  getSweep = (workspace: string, name: string) => this.call(sweepRoutes.get, { params: { workspace, name } });
  listMonitors = (workspace: string) => this.call(monitorRoutes.list, { params: { workspace } });
  getMonitor = (workspace: string, name: string, query: { limit?: number } = {}) =>
    this.call(monitorRoutes.get, { params: { workspace, name }, query });
  getMonitorRun = (workspace: string, name: string, run: string) => this.call(monitorRoutes.run, { params: { workspace, name, run } });
  listPolicyDefinitions = () => this.call(policyRoutes.listDefinitions);
  getPolicyDefinition = (name: string) => this.call(policyRoutes.getDefinition, { params: { name } });
  putPolicyDefinition = (body: { name: string; definition: Record<string, unknown> }) => this.call(policyRoutes.putDefinition, { body });
  deletePolicyDefinition = (name: string) => this.call(policyRoutes.deleteDefinition, { params: { name } });
  listPolicyAliases = () => this.call(policyRoutes.listAliases);
  listPolicyAssignments = (query: { scope?: string } = {}) => this.call(policyRoutes.listAssignments, { query });
  createPolicyAssignment = (body: PolicyAssignmentRequest) => this.call(policyRoutes.createAssignment, { body });
  getPolicyAssignment = (name: string) => this.call(policyRoutes.getAssignment, { params: { name } });
  deletePolicyAssignment = (name: string) => this.call(policyRoutes.deleteAssignment, { params: { name } });
  listPolicyExemptions = (query: { assignment?: string } = {}) => this.call(policyRoutes.listExemptions, { query });
  createPolicyExemption = (body: PolicyExemptionRequest) => this.call(policyRoutes.createExemption, { body });
  deletePolicyExemption = (name: string) => this.call(policyRoutes.deleteExemption, { params: { name } });
  listPolicyStates = (workspace: string, query: { compliance?: PolicyStateBody['compliance'] } = {}) =>
    this.call(policyRoutes.states, { params: { workspace }, query });
  /**
   * Cost in a period by a dimension (group_by: workspace, compute, job, endpoint, size, day, tag:<key>), and with granularity
   * (day, week, month) the grouped rows per period; no workspace: every one the caller may read.
   */
  cost = (workspace: string | undefined, query: { group_by?: string; from?: string; to?: string; granularity?: Granularity } = {}) =>
    workspace === undefined ? this.call(costRoutes.all, { query }) : this.call(costRoutes.workspace, { params: { workspace }, query });
  /** The workspace's usage in the period as FinOps FOCUS CSV text, and the file name the server suggests. */
  costExport = async (workspace: string, query: { from?: string; to?: string } = {}): Promise<{ csv: string; fileName: string }> => {
    const response = await this.fetch(this.urlOf(pathOf(costRoutes.export.path, { workspace }), query), {
      headers: { accept: 'text/csv' },
    });
    const text = await response.text();
    if (!response.ok) throw problemOf(response, text);
    const fileName = /filename="([^"]+)"/.exec(response.headers.get('content-disposition') ?? '')?.[1] ?? `trellis-cost-${workspace}.csv`;
    return { csv: text, fileName };
  };
  jobCost = (workspace: string, name: string) => this.call(costRoutes.job, { params: { workspace, name } });
  createBudget = (workspace: string, body: Record<string, unknown>) => this.call(costRoutes.createBudget, { params: { workspace }, body });
  getBudget = (workspace: string, name: string) => this.call(costRoutes.getBudget, { params: { workspace, name } });
  listBudgets = (workspace: string) => this.call(costRoutes.listBudgets, { params: { workspace } });
  updateBudget = (workspace: string, name: string, body: { set?: string[]; spec?: Record<string, unknown> }, ifMatch?: string) =>
    this.call(costRoutes.updateBudget, { params: { workspace, name }, body, ...(ifMatch ? { ifMatch } : {}) });
  deleteBudget = (workspace: string, name: string) => this.call(costRoutes.deleteBudget, { params: { workspace, name } });
  listSweeps = (workspace: string, query: { limit?: number } = {}) => this.call(sweepRoutes.list, { params: { workspace }, query });
  cancelSweep = (workspace: string, name: string) => this.call(sweepRoutes.cancel, { params: { workspace, name } });
  /** A schedule file, with the job file its create_job names as submitJob takes it (its uploads checked by the server). */
  createSchedule = (workspace: string, body: ScheduleSendBody) =>
    this.call(scheduleRoutes.create, { params: { workspace }, body: body as ScheduleRequestBody });
  updateSchedule = (workspace: string, name: string, body: ScheduleSendBody) =>
    this.call(scheduleRoutes.update, { params: { workspace, name }, body: body as ScheduleRequestBody });
  getSchedule = (workspace: string, name: string) => this.call(scheduleRoutes.get, { params: { workspace, name } });
  listSchedules = (workspace: string) => this.call(scheduleRoutes.list, { params: { workspace } });
  enableSchedule = (workspace: string, name: string) => this.call(scheduleRoutes.enable, { params: { workspace, name } });
  disableSchedule = (workspace: string, name: string) => this.call(scheduleRoutes.disable, { params: { workspace, name } });
  triggerSchedule = (workspace: string, name: string) => this.call(scheduleRoutes.trigger, { params: { workspace, name } });
  deleteSchedule = (workspace: string, name: string) => this.call(scheduleRoutes.delete, { params: { workspace, name } });
  listJobs = (workspace: string, query: { limit?: number; pageToken?: string; compute?: string } = {}) =>
    this.call(jobRoutes.list, { params: { workspace }, query });
  jobEvents = (workspace: string, name: string) => this.call(jobRoutes.events, { params: { workspace, name } });
  cancelJob = (workspace: string, name: string) => this.call(jobRoutes.cancel, { params: { workspace, name } });
  evict = (workspace: string, compute: string, node?: string) =>
    this.call(computeRoutes.evict, { params: { workspace, name: compute }, query: { node } });
  /** A compute instance's state and lab URL; start, stop, restart it (az ml compute start|stop|restart). */
  computeInstance = (workspace: string, name: string) => this.call(computeInstanceRoutes.status, { params: { workspace, name } });
  startInstance = (workspace: string, name: string) => this.call(computeInstanceRoutes.start, { params: { workspace, name } });
  stopInstance = (workspace: string, name: string) => this.call(computeInstanceRoutes.stop, { params: { workspace, name } });
  restartInstance = (workspace: string, name: string) => this.call(computeInstanceRoutes.restart, { params: { workspace, name } });
  quotaUsage = (workspace: string) => this.call(computeRoutes.quotas, { params: { workspace } });
  computeNodes = (workspace: string, compute: string, since?: number) =>
    this.call(computeRoutes.nodes, { params: { workspace, name: compute }, query: { since } });
  workspaceUsage = (workspace: string) => this.call(computeRoutes.usage, { params: { workspace } });

  applyOnlineEndpoint = (workspace: string, body: EndpointFile) => this.call(online.apply, { params: { workspace }, body });
  getOnlineEndpoint = (workspace: string, name: string) => this.call(online.get, { params: { workspace, name } });
  listOnlineEndpoints = (workspace: string) => this.call(online.list, { params: { workspace } });
  deleteOnlineEndpoint = (workspace: string, name: string) => this.call(online.delete, { params: { workspace, name } });
  setTraffic = (workspace: string, name: string, body: CallOptions<typeof online.traffic>['body']) =>
    this.call(online.traffic, { params: { workspace, name }, body });
  endpointCredentials = (workspace: string, name: string) => this.call(online.credentials, { params: { workspace, name } });
  regenerateEndpointKeys = (workspace: string, name: string, keyType: 'primary' | 'secondary') =>
    this.call(online.regenerateKeys, { params: { workspace, name }, body: { keyType } });
  applyOnlineDeployment = (workspace: string, endpoint: string, body: DeploymentFile) =>
    this.call(online.applyDeployment, { params: { workspace, name: endpoint }, body: body as DeploymentRequestBody });
  /** Changes fields of the stored deployment (`az ml online-deployment update --set`, no file): `set` is field=value. */
  updateOnlineDeploymentFields = (workspace: string, endpoint: string, name: string, body: { set: string[] }) =>
    this.call(online.updateDeployment, { params: { workspace, name: endpoint, deployment: name }, body });
  getOnlineDeployment = (workspace: string, endpoint: string, name: string) =>
    this.call(online.getDeployment, { params: { workspace, name: endpoint, deployment: name } });
  listOnlineDeployments = (workspace: string, endpoint: string) =>
    this.call(online.listDeployments, { params: { workspace, name: endpoint } });
  deleteOnlineDeployment = (workspace: string, endpoint: string, name: string) =>
    this.call(online.deleteDeployment, { params: { workspace, name: endpoint, deployment: name } });
  onlineDeploymentLogs = async (workspace: string, endpoint: string, name: string, lines: number): Promise<string> => {
    const url = this.urlOf(pathOf(online.deploymentLogs.path, { workspace, name: endpoint, deployment: name }), { lines });
    const response = await this.fetch(url);
    const text = await response.text();
    if (!response.ok) throw problemOf(response, text);
    return text;
  };
  /** Starts a load test of a deployment; it answers at once (202), follow it with getDeploymentProfile. */
  startDeploymentProfile = (workspace: string, endpoint: string, deployment: string, body: CallOptions<typeof profiles.start>['body']) =>
    this.call(profiles.start, { params: { workspace, name: endpoint, deployment }, body });
  getDeploymentProfile = (workspace: string, endpoint: string, deployment: string, profile: string) =>
    this.call(profiles.get, { params: { workspace, name: endpoint, deployment, profile } });
  listDeploymentProfiles = (workspace: string, endpoint: string, deployment: string) =>
    this.call(profiles.list, { params: { workspace, name: endpoint, deployment } });

  /** Creates (or replaces) a datastore from its YAML; the server reaches the storage with its credentials first. */
  createDatastore = (workspace: string, body: CallOptions<typeof datastores.create>['body']) =>
    this.call(datastores.create, { params: { workspace }, body });
  getDatastore = (workspace: string, name: string) => this.call(datastores.get, { params: { workspace, name } });
  listDatastores = (workspace: string) => this.call(datastores.list, { params: { workspace } });
  deleteDatastore = (workspace: string, name: string) => this.call(datastores.delete, { params: { workspace, name } });
  startRollout = (workspace: string, name: string, body: CallOptions<typeof online.startRollout>['body']) =>
    this.call(online.startRollout, { params: { workspace, name }, body });
  getRollout = (workspace: string, name: string) => this.call(online.getRollout, { params: { workspace, name } });
  applyBatchEndpoint = (workspace: string, body: EndpointFile) => this.call(batch.apply, { params: { workspace }, body });
  getBatchEndpoint = (workspace: string, name: string) => this.call(batch.get, { params: { workspace, name } });
  listBatchEndpoints = (workspace: string) => this.call(batch.list, { params: { workspace } });
  deleteBatchEndpoint = (workspace: string, name: string) => this.call(batch.delete, { params: { workspace, name } });
  applyBatchDeployment = (workspace: string, endpoint: string, body: DeploymentFile) =>
    this.call(batch.applyDeployment, { params: { workspace, name: endpoint }, body: body as DeploymentRequestBody });
  getBatchDeployment = (workspace: string, endpoint: string, name: string) =>
    this.call(batch.getDeployment, { params: { workspace, name: endpoint, deployment: name } });
  listBatchDeployments = (workspace: string, endpoint: string) =>
    this.call(batch.listDeployments, { params: { workspace, name: endpoint } });
  deleteBatchDeployment = (workspace: string, endpoint: string, name: string) =>
    this.call(batch.deleteDeployment, { params: { workspace, name: endpoint, deployment: name } });
  /** Submits a scoring job; `input` is azureml:<data>:<version>, a URI, or a local folder uploaded in `uploads`. */
  invokeBatchEndpoint = (
    workspace: string,
    endpoint: string,
    body: { input: string; inputType?: 'uri_folder' | 'uri_file'; deployment?: string; uploads?: Record<string, unknown> },
  ) => this.call(batch.invoke, { params: { workspace, name: endpoint }, body: { uploads: {}, ...body } as InvokeRequestBody });
  listBatchJobs = (workspace: string, endpoint: string, deployment?: string) =>
    this.call(batch.jobs, { params: { workspace, name: endpoint }, query: { deployment } });

  /**
   * Follows a job's log as the server streams it (server-sent events `log` and `state`) until the
   * job ends or `signal` aborts; works in Node and in the browser.
   */
  followJobLog = async (workspace: string, name: string, onEvent: (event: JobLogEvent) => void, signal?: AbortSignal): Promise<void> => {
    let response: Response;
    try {
      response = await this.fetch(this.urlOf(pathOf(jobRoutes.logs.path, { workspace, name }), { follow: 'true' }), {
        headers: { accept: 'text/event-stream' },
        ...(signal ? { signal } : {}),
      });
    } catch (error) {
      if (signal?.aborted) return;
      throw error;
    }
    if (!response.ok || !response.body) throw problemOf(response, await response.text());
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        buffer += decoder.decode(value, { stream: true });
        for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const event = /^event: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if ((event === 'log' || event === 'state') && data !== undefined) onEvent({ event, ...JSON.parse(data) } as JobLogEvent);
        }
      }
    } catch (error) {
      if (signal?.aborted) return;
      throw error;
    }
  };

  /** Live numbers of an online endpoint's deployments, second by second, over the last `seconds`. */
  endpointStats = (workspace: string, name: string, seconds?: number) =>
    this.call(endpointStatsRoutes.stats, { params: { workspace, name }, query: { seconds } });
  /** A run's metric history, downsampled by the server to at most `points` points. */
  metricSeries = (workspace: string, runId: string, key: string, query: { points?: number; x?: 'step' | 'timestamp' } = {}) =>
    this.call(metricSeriesRoutes.series, { params: { workspace, runId, key }, query });
  /** The metric, param and tag keys of an experiment's runs. */
  experimentKeys = (workspace: string, experimentId: string) =>
    this.call(experimentKeysRoutes.keys, { params: { workspace, experimentId } });

  audit = (workspace: string, query: { kind?: string; name?: string; limit?: number; pageToken?: string } = {}) =>
    this.call(auditRoutes.list, { params: { workspace }, query });
}

/** The body of a job submission, as the contract takes it. */
type JobSubmitBody = CallOptions<typeof jobRoutes.submit>['body'];
type ScheduleRequestBody = CallOptions<typeof scheduleRoutes.create>['body'];
type ScheduleSendBody = { fileName: string; text: string; job?: Parameters<TrellisClient['submitJob']>[1] | undefined };
/** An endpoint's YAML file, as the CLI sends it. */
type EndpointFile = { fileName: string; text: string; name?: string };
/** A deployment's YAML file with the uploads the CLI made for its local paths (checked by the server, entry by entry). */
type DeploymentFile = { fileName: string; text: string; uploads: Record<string, unknown>; inlined?: Record<string, string>; name?: string };
/** The body of a deployment, as the contract takes it. */
type DeploymentRequestBody = CallOptions<typeof online.applyDeployment>['body'];
/** The body of a batch invocation, as the contract takes it. */
type InvokeRequestBody = CallOptions<typeof batch.invoke>['body'];

/** The identity routes (whoami, principals, tokens, roles, role assignments), called with `client.call(identityRoutes.<route>, ...)`. */
export { identityRoutes } from '../contract/identity.js';
/** The project routes (create, list, show), called with `client.call(projectRoutes.<route>, ...)`. */
export { projectRoutes } from '../contract/projects.js';
