import type { Readable } from 'node:stream';
import type { Job } from '../core/jobs/job.js';
import type { Resource } from '../core/resources/resource.js';
import { kindSegments, type ResourceKind } from '../core/resources/kinds.js';
import { ApiError } from './api-error.js';

export interface Page<T> {
  items: T[];
  nextPageToken: string | null;
}

export interface ApplyRequestBody {
  fileName: string;
  text: string;
  kind?: ResourceKind;
  uploads?: Record<string, unknown>;
  inlined?: Record<string, string>;
  dryRun?: boolean;
}

export interface ApplyResultBody {
  action: 'created' | 'updated' | 'unchanged';
  kind: ResourceKind;
  name: string;
  version: string | null;
  resource: Resource | null;
  notes: Array<{ path: string; line?: number; message: string }>;
  dryRun: boolean;
}

export interface AuditEventBody {
  id: number;
  workspace: string;
  at: string;
  actor: string;
  action: string;
  kind: string;
  name: string;
  version: string | null;
  beforeDigest: string | null;
  afterDigest: string | null;
  requestId: string | null;
  summary: string | null;
}

export interface UploadedBody {
  digest: string;
  size: number;
  isNew: boolean;
}

/** A job as the API answers it: Trellis's Job, as JSON. */
/** A job as the API answers it: `status` is `state` under Azure ML's name. */
export type JobBody = Job & { status: Job['state'] };

/** An endpoint as the API answers it. */
export interface EndpointBody {
  workspace: string;
  name: string;
  type: 'online' | 'batch';
  description: string | null;
  tags: Record<string, string>;
  authMode: 'key' | 'aml_token';
  traffic: Record<string, number>;
  mirrorTraffic: Record<string, number>;
  defaultDeployment: string | null;
  state: string;
  createdBy: string;
  createdAt: number;
  updatedAt: number;
  etag: string;
  scoringUri: string;
  openInferenceUri: string;
  /** Azure's names, for scripts that read `show --query <field> -o tsv`. */
  provisioning_state: ProvisioningStateBody;
  auth_mode: 'key' | 'aml_token';
  scoring_uri: string;
  openapi_uri: string;
  mirror_traffic: Record<string, number>;
}

/** Azure's provisioning_state of an endpoint or deployment. */
export type ProvisioningStateBody = 'Creating' | 'Updating' | 'Succeeded' | 'Failed' | 'Deleting';

/** A batch endpoint as the API answers it: an endpoint without traffic; its scoring_uri is its invoke URL. */
export type BatchEndpointBody = Omit<
  EndpointBody,
  'type' | 'traffic' | 'mirrorTraffic' | 'scoringUri' | 'openInferenceUri' | 'openapi_uri' | 'mirror_traffic'
> & {
  defaults: { deployment_name: string | null };
};

export interface BatchDeploymentBody {
  workspace: string;
  endpoint: string;
  name: string;
  spec: Record<string, unknown>;
  lineage: Record<string, unknown>;
  state: string;
  reason: string | null;
  provisioning_state: ProvisioningStateBody;
  endpoint_name: string;
  createdBy: string;
  createdAt: number;
  updatedAt: number;
  etag: string;
}

/** A batch endpoint's scoring job; its output is the data asset `outputDataAsset` once the job ends. */
export interface BatchJobBody {
  name: string;
  displayName: string;
  state: string;
  reason: string | null;
  compute: string;
  deployment: string | null;
  outputDataAsset: string;
  submittedAt: number;
  endedAt: number | null;
}

/** A deployment as the API answers it. */
export interface DeploymentBody {
  workspace: string;
  endpoint: string;
  name: string;
  spec: Record<string, unknown>;
  lineage: {
    model: { name: string; version: string; type: string } | null;
    environment: { name: string; version: string | null; curated: boolean } | null;
    code: { name: string; digest: string } | null;
    deployedBy: string;
    deployedAt: number;
  };
  state: string;
  reason: string | null;
  provisioning_state: ProvisioningStateBody;
  endpoint_name: string;
  instanceCount: number;
  readyInstances: number;
  instances: Array<{
    index: number;
    id: string;
    pid: number | null;
    state: string;
    inFlight: number;
    restarts: number;
    failure: string | null;
  }>;
  createdBy: string;
  createdAt: number;
  updatedAt: number;
  etag: string;
}

/** A safe rollout as the API answers it. */
export interface RolloutBody {
  endpoint: string;
  to: string;
  steps: number[];
  phase: 'pending' | 'observing' | 'done' | 'rolled-back';
  stepIndex: number;
  weights: Record<string, number>;
  rollbackReason: string | null;
  startedBy: string;
  startedAt: number;
  updatedAt: number;
  audit: Array<{
    at: number;
    step: number;
    weights: Record<string, number>;
    observation: { requests: number; errorRate: number; p99Ms?: number } | null;
    decision: string;
    reason: string;
  }>;
}

export interface ComputeUsageBody {
  nodes: Array<{
    nodeId: string;
    state: string;
    job: string | null;
    size: string;
    tier: string;
    createdAt: number;
    idleSince: number | null;
  }>;
  usage: Array<{ compute: string; size: string; tier: string; nodeSeconds: number; nodes: number }>;
}

type ContainedKind = Exclude<ResourceKind, 'workspace'>;

interface RequestOptions {
  query?: Record<string, string | number | boolean | string[] | undefined>;
  body?: unknown;
  stream?: Readable;
  contentType?: string;
  ifMatch?: string;
}

/** The typed HTTP client the CLI, the studio and the tests use: the server only through HTTP. */
export class TrellisClient {
  constructor(readonly baseUrl: string) {}

  health = () => this.request<{ status: string }>('GET', '/healthz');
  ready = () => this.request<{ status: string; database: Record<string, unknown> }>('GET', '/readyz');

  listWorkspaces = (query: { limit?: number; pageToken?: string } = {}) =>
    this.request<Page<Resource>>('GET', '/api/v1/workspaces', { query });
  getWorkspace = (name: string) => this.request<Resource>('GET', `/api/v1/workspaces/${enc(name)}`);
  createWorkspace = (body: Record<string, unknown>) => this.request<ApplyResultBody>('POST', '/api/v1/workspaces', { body });
  deleteWorkspace = (name: string, ifMatch?: string, options: { force?: boolean } = {}) =>
    this.request<Resource>('DELETE', `/api/v1/workspaces/${enc(name)}`, {
      ...(ifMatch ? { ifMatch } : {}),
      ...(options.force ? { query: { force: 'true' } } : {}),
    });
  patchWorkspace = (name: string, body: Record<string, unknown>, ifMatch: string) =>
    this.request<Resource>('PATCH', `/api/v1/workspaces/${enc(name)}`, { body, ifMatch });

  apply = (workspace: string, body: ApplyRequestBody) =>
    this.request<ApplyResultBody>('POST', `/api/v1/workspaces/${enc(workspace)}/apply`, { body });

  list = (workspace: string, kind: ContainedKind, query: { name?: string; tag?: string[]; limit?: number; pageToken?: string } = {}) => {
    const base = `/api/v1/workspaces/${enc(workspace)}/${kindSegments[kind]}`;
    const { name, ...rest } = query;
    return this.request<Page<Resource>>('GET', name === undefined ? base : `${base}/${enc(name)}/versions`, { query: rest });
  };

  /** One resource; for assets `version` may be a version or 'latest'. */
  get = (workspace: string, kind: ContainedKind, name: string, version: string | null) =>
    this.request<Resource>('GET', resourcePath(workspace, kind, name, version));
  resolve = (workspace: string, kind: ContainedKind, reference: string) =>
    this.request<Resource>('GET', `/api/v1/workspaces/${enc(workspace)}/resolve`, { query: { kind, reference } });
  patch = (workspace: string, kind: ContainedKind, name: string, version: string | null, body: Record<string, unknown>, ifMatch: string) =>
    this.request<Resource>('PATCH', resourcePath(workspace, kind, name, version), { body, ifMatch });
  delete = (workspace: string, kind: ContainedKind, name: string, version: string | null, ifMatch?: string) =>
    this.request<Resource>('DELETE', resourcePath(workspace, kind, name, version), ifMatch ? { ifMatch } : {});

  uploadFile = (workspace: string, stream: Readable, expectedDigest?: string) =>
    this.request<UploadedBody>('POST', `/api/v1/workspaces/${enc(workspace)}/uploads`, {
      stream,
      contentType: 'application/octet-stream',
      ...(expectedDigest ? { query: { digest: expectedDigest } } : {}),
    });
  uploadFolder = (workspace: string, manifest: { files: Array<{ path: string; digest: string; size: number }> }) =>
    this.request<UploadedBody & { fileCount: number }>('POST', `/api/v1/workspaces/${enc(workspace)}/uploads/folders`, { body: manifest });

  /** Size of stored content, or undefined when the workspace does not have these bytes. */
  contentInfo = async (workspace: string, digest: string): Promise<{ size: number } | undefined> => {
    try {
      const response = await fetch(new URL(`/api/v1/workspaces/${enc(workspace)}/contents/${enc(digest)}`, `${this.baseUrl}/`), {
        method: 'HEAD',
      });
      if (response.status === 404) return undefined;
      if (!response.ok)
        throw new ApiError(response.status, `Http${response.status}`, `checking content ${digest} failed with HTTP ${response.status}`);
      return { size: Number(response.headers.get('x-trellis-content-size') ?? response.headers.get('content-length') ?? 0) };
    } catch (error) {
      if (error instanceof ApiError) throw error;
      throw new ApiError(
        0,
        'ServerUnreachable',
        `cannot reach Trellis at ${this.baseUrl}; start it with 'trellis up', or point --server / TRELLIS_URL at a running server`,
      );
    }
  };
  openContent = async (workspace: string, digest: string): Promise<Response> => {
    const response = await fetch(new URL(`/api/v1/workspaces/${enc(workspace)}/contents/${enc(digest)}`, `${this.baseUrl}/`));
    if (!response.ok) throw new ApiError(response.status, `Http${response.status}`, await response.text());
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
  ) => this.request<JobBody>('POST', `/api/v1/workspaces/${enc(workspace)}/jobs`, { body });
  getJob = (workspace: string, name: string) => this.request<JobBody>('GET', `/api/v1/workspaces/${enc(workspace)}/jobs/${enc(name)}`);
  listJobs = (workspace: string, query: { limit?: number; pageToken?: string; compute?: string } = {}) =>
    this.request<Page<JobBody>>('GET', `/api/v1/workspaces/${enc(workspace)}/jobs`, { query });
  jobEvents = (workspace: string, name: string) =>
    this.request<{ items: Array<{ seq: number; at: number; state: string; reason: string | null }> }>(
      'GET',
      `/api/v1/workspaces/${enc(workspace)}/jobs/${enc(name)}/events`,
    );
  cancelJob = (workspace: string, name: string) =>
    this.request<JobBody>('POST', `/api/v1/workspaces/${enc(workspace)}/jobs/${enc(name)}/cancel`);
  evict = (workspace: string, compute: string, node?: string) =>
    this.request<{ evicted: Array<{ node: string; job: string | null }> }>(
      'POST',
      `/api/v1/workspaces/${enc(workspace)}/computes/${enc(compute)}/evict`,
      { query: { node } },
    );
  quotaUsage = (workspace: string) =>
    this.request<{ usages: Array<{ name: 'nodes' | 'vcpus'; family: string | null; current: number; limit: number | null }> }>(
      'GET',
      `/api/v1/workspaces/${enc(workspace)}/quotas`,
    );
  computeNodes = (workspace: string, compute: string) =>
    this.request<ComputeUsageBody>('GET', `/api/v1/workspaces/${enc(workspace)}/computes/${enc(compute)}/nodes`);
  applyOnlineEndpoint = (workspace: string, body: { fileName: string; text: string; name?: string }) =>
    this.request<{ action: string; endpoint: EndpointBody }>('POST', `/api/v1/workspaces/${enc(workspace)}/online-endpoints`, { body });
  getOnlineEndpoint = (workspace: string, name: string) =>
    this.request<EndpointBody>('GET', `/api/v1/workspaces/${enc(workspace)}/online-endpoints/${enc(name)}`);
  listOnlineEndpoints = (workspace: string) =>
    this.request<{ items: EndpointBody[] }>('GET', `/api/v1/workspaces/${enc(workspace)}/online-endpoints`);
  deleteOnlineEndpoint = (workspace: string, name: string) =>
    this.request<null>('DELETE', `/api/v1/workspaces/${enc(workspace)}/online-endpoints/${enc(name)}`);
  setTraffic = (workspace: string, name: string, body: { traffic?: Record<string, number>; mirrorTraffic?: Record<string, number> }) =>
    this.request<EndpointBody>('POST', `/api/v1/workspaces/${enc(workspace)}/online-endpoints/${enc(name)}/traffic`, { body });
  endpointCredentials = (workspace: string, name: string) =>
    this.request<
      | { primaryKey: string; secondaryKey: string }
      | { accessToken: string; tokenType: string; expiryTimeUtc: number; refreshAfterTimeUtc: number }
    >('POST', `/api/v1/workspaces/${enc(workspace)}/online-endpoints/${enc(name)}/credentials`);
  regenerateEndpointKeys = (workspace: string, name: string, keyType: 'primary' | 'secondary') =>
    this.request<null>('POST', `/api/v1/workspaces/${enc(workspace)}/online-endpoints/${enc(name)}/regenerate-keys`, { body: { keyType } });
  applyOnlineDeployment = (
    workspace: string,
    endpoint: string,
    body: { fileName: string; text: string; uploads: Record<string, unknown>; inlined: Record<string, string>; name?: string },
  ) =>
    this.request<{ action: string; deployment: DeploymentBody }>(
      'POST',
      `/api/v1/workspaces/${enc(workspace)}/online-endpoints/${enc(endpoint)}/deployments`,
      { body },
    );
  /** Changes fields of the stored deployment (`az ml online-deployment update --set`, no file): `set` is field=value. */
  updateOnlineDeploymentFields = (workspace: string, endpoint: string, name: string, body: { set: string[] }) =>
    this.request<{ action: string; deployment: DeploymentBody }>(
      'PATCH',
      `/api/v1/workspaces/${enc(workspace)}/online-endpoints/${enc(endpoint)}/deployments/${enc(name)}`,
      { body },
    );
  getOnlineDeployment = (workspace: string, endpoint: string, name: string) =>
    this.request<DeploymentBody>('GET', `/api/v1/workspaces/${enc(workspace)}/online-endpoints/${enc(endpoint)}/deployments/${enc(name)}`);
  listOnlineDeployments = (workspace: string, endpoint: string) =>
    this.request<{ items: DeploymentBody[] }>('GET', `/api/v1/workspaces/${enc(workspace)}/online-endpoints/${enc(endpoint)}/deployments`);
  deleteOnlineDeployment = (workspace: string, endpoint: string, name: string) =>
    this.request<null>('DELETE', `/api/v1/workspaces/${enc(workspace)}/online-endpoints/${enc(endpoint)}/deployments/${enc(name)}`);
  onlineDeploymentLogs = async (workspace: string, endpoint: string, name: string, lines: number): Promise<string> => {
    const url = new URL(
      `/api/v1/workspaces/${enc(workspace)}/online-endpoints/${enc(endpoint)}/deployments/${enc(name)}/logs?lines=${lines}`,
      `${this.baseUrl}/`,
    );
    const response = await fetch(url).catch(() => {
      throw new ApiError(
        0,
        'ServerUnreachable',
        `cannot reach Trellis at ${this.baseUrl}; start it with 'trellis up', or point --server / TRELLIS_URL at a running server`,
      );
    });
    const text = await response.text();
    if (!response.ok) {
      const problem = (safeJson(text) ?? {}) as { code?: string; detail?: string };
      throw new ApiError(response.status, problem.code ?? `Http${response.status}`, problem.detail ?? text);
    }
    return text;
  };
  startRollout = (
    workspace: string,
    name: string,
    body: { to: string; steps: number[]; intervalMs: number; maxErrorRate: number; maxP99Ms?: number; minRequests?: number },
  ) => this.request<RolloutBody>('POST', `/api/v1/workspaces/${enc(workspace)}/online-endpoints/${enc(name)}/rollout`, { body });
  getRollout = (workspace: string, name: string) =>
    this.request<RolloutBody>('GET', `/api/v1/workspaces/${enc(workspace)}/online-endpoints/${enc(name)}/rollout`);
  applyBatchEndpoint = (workspace: string, body: { fileName: string; text: string; name?: string }) =>
    this.request<{ action: string; endpoint: BatchEndpointBody }>('POST', `/api/v1/workspaces/${enc(workspace)}/batch-endpoints`, { body });
  getBatchEndpoint = (workspace: string, name: string) =>
    this.request<BatchEndpointBody>('GET', `/api/v1/workspaces/${enc(workspace)}/batch-endpoints/${enc(name)}`);
  listBatchEndpoints = (workspace: string) =>
    this.request<{ items: BatchEndpointBody[] }>('GET', `/api/v1/workspaces/${enc(workspace)}/batch-endpoints`);
  deleteBatchEndpoint = (workspace: string, name: string) =>
    this.request<null>('DELETE', `/api/v1/workspaces/${enc(workspace)}/batch-endpoints/${enc(name)}`);
  applyBatchDeployment = (
    workspace: string,
    endpoint: string,
    body: { fileName: string; text: string; uploads: Record<string, unknown>; inlined?: Record<string, string>; name?: string },
  ) =>
    this.request<{ action: string; deployment: BatchDeploymentBody }>(
      'POST',
      `/api/v1/workspaces/${enc(workspace)}/batch-endpoints/${enc(endpoint)}/deployments`,
      { body },
    );
  getBatchDeployment = (workspace: string, endpoint: string, name: string) =>
    this.request<BatchDeploymentBody>(
      'GET',
      `/api/v1/workspaces/${enc(workspace)}/batch-endpoints/${enc(endpoint)}/deployments/${enc(name)}`,
    );
  listBatchDeployments = (workspace: string, endpoint: string) =>
    this.request<{ items: BatchDeploymentBody[] }>(
      'GET',
      `/api/v1/workspaces/${enc(workspace)}/batch-endpoints/${enc(endpoint)}/deployments`,
    );
  deleteBatchDeployment = (workspace: string, endpoint: string, name: string) =>
    this.request<null>('DELETE', `/api/v1/workspaces/${enc(workspace)}/batch-endpoints/${enc(endpoint)}/deployments/${enc(name)}`);
  /** Submits a scoring job; `input` is azureml:<data>:<version>, a URI, or a local folder uploaded in `uploads`. */
  invokeBatchEndpoint = (
    workspace: string,
    endpoint: string,
    body: { input: string; inputType?: 'uri_folder' | 'uri_file'; deployment?: string; uploads?: Record<string, unknown> },
  ) =>
    this.request<BatchJobBody>('POST', `/api/v1/workspaces/${enc(workspace)}/batch-endpoints/${enc(endpoint)}/invoke`, {
      body: { uploads: {}, ...body },
    });
  listBatchJobs = (workspace: string, endpoint: string, deployment?: string) =>
    this.request<{ items: BatchJobBody[] }>('GET', `/api/v1/workspaces/${enc(workspace)}/batch-endpoints/${enc(endpoint)}/jobs`, {
      query: { deployment },
    });
  /** The job's log as server-sent events (`log` and `state`), until the job ends. */
  followJobLog = async (
    workspace: string,
    name: string,
    onEvent: (event: string, data: Record<string, unknown>) => void,
  ): Promise<void> => {
    let response: Response;
    try {
      response = await fetch(new URL(`/api/v1/workspaces/${enc(workspace)}/jobs/${enc(name)}/logs?follow=true`, `${this.baseUrl}/`), {
        headers: { accept: 'text/event-stream' },
      });
    } catch {
      throw new ApiError(
        0,
        'ServerUnreachable',
        `cannot reach Trellis at ${this.baseUrl}; start it with 'trellis up', or point --server / TRELLIS_URL at a running server`,
      );
    }
    if (!response.ok || !response.body) {
      const problem = (safeJson(await response.text()) ?? {}) as { code?: string; detail?: string };
      throw new ApiError(response.status, problem.code ?? `Http${response.status}`, problem.detail ?? response.statusText);
    }
    const decoder = new TextDecoder();
    let buffer = '';
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      buffer += decoder.decode(chunk, { stream: true });
      for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const event = /^event: (.*)$/m.exec(block)?.[1] ?? 'message';
        const data = /^data: (.*)$/m.exec(block)?.[1];
        if (data !== undefined) onEvent(event, JSON.parse(data) as Record<string, unknown>);
      }
    }
  };

  audit = (workspace: string, query: { kind?: string; name?: string; limit?: number; pageToken?: string } = {}) =>
    this.request<Page<AuditEventBody>>('GET', `/api/v1/workspaces/${enc(workspace)}/audit`, { query });

  async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const url = new URL(path, `${this.baseUrl}/`);
    for (const [key, value] of Object.entries(options.query ?? {})) {
      if (value === undefined) continue;
      for (const item of Array.isArray(value) ? value : [value]) url.searchParams.append(key, String(item));
    }
    const headers: Record<string, string> = { accept: 'application/json' };
    let body: RequestInit['body'] | undefined;
    if (options.stream) {
      headers['content-type'] = options.contentType ?? 'application/octet-stream';
      body = options.stream as unknown as RequestInit['body'];
    } else if (options.body !== undefined) {
      headers['content-type'] = options.contentType ?? 'application/json';
      body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
    }
    if (options.ifMatch) headers['if-match'] = `"${options.ifMatch}"`;
    let response: Response;
    try {
      response = await fetch(url, {
        method,
        headers,
        ...(body !== undefined ? { body } : {}),
        ...(options.stream ? { duplex: 'half' } : {}),
      } as RequestInit);
    } catch (error) {
      const cause = (error as { cause?: { code?: string; errors?: Array<{ code?: string }>; message?: string } }).cause;
      const reason = cause?.code ?? cause?.errors?.[0]?.code ?? cause?.message ?? (error as Error).message;
      throw new ApiError(
        0,
        'ServerUnreachable',
        `cannot reach Trellis at ${this.baseUrl} (${reason}); start it with 'trellis up', or point --server / TRELLIS_URL at a running server`,
      );
    }
    const text = await response.text();
    const parsed = text.length > 0 ? safeJson(text) : undefined;
    if (!response.ok) {
      const problem = (parsed ?? {}) as { code?: string; detail?: string; problems?: ApiError['problems']; requestId?: string };
      throw new ApiError(
        response.status,
        problem.code ?? `Http${response.status}`,
        problem.detail ?? (text || response.statusText),
        problem.problems ?? [],
        problem.requestId,
      );
    }
    return parsed as T;
  }
}

function resourcePath(workspace: string, kind: ContainedKind, name: string, version: string | null): string {
  const base = `/api/v1/workspaces/${enc(workspace)}/${kindSegments[kind]}/${enc(name)}`;
  return version === null ? base : `${base}/versions/${enc(version)}`;
}

function enc(segment: string): string {
  return encodeURIComponent(segment);
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
