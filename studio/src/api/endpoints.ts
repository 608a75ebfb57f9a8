import type { SecondPoint } from '../../../src/core/endpoints/stats-series.js';
import { query, requestJson } from './http.js';

/** Online endpoints: the management API (/api/v1), their live numbers, and scoring as a caller does it. */

const base = (workspace: string) => `/api/v1/workspaces/${encodeURIComponent(workspace)}/online-endpoints`;

export interface OnlineEndpoint {
  workspace: string;
  name: string;
  description: string | null;
  authMode: 'key' | 'aml_token';
  traffic: Record<string, number>;
  mirrorTraffic: Record<string, number>;
  state: string;
  createdBy: string;
  createdAt: number;
  updatedAt: number;
  etag: string;
  scoringUri: string;
}

export interface OnlineDeployment {
  name: string;
  lineage: {
    model: { name: string; version: string; type: string } | null;
    environment: { name: string; version: string | null; curated: boolean } | null;
    code: { name: string; digest: string } | null;
    deployedBy: string;
    deployedAt: number;
  };
  state: string;
  reason: string | null;
  instanceCount: number;
  readyInstances: number;
}

// One second of a deployment's traffic, as the server's stats route computes it.
export type { SecondPoint } from '../../../src/core/endpoints/stats-series.js';

export interface DeploymentStats {
  name: string;
  desiredInstances: number;
  readyInstances: number;
  inFlight: number;
  series: SecondPoint[];
}

export interface EndpointStats {
  at: number;
  seconds: number;
  deployments: DeploymentStats[];
}

export async function listEndpoints(workspace: string): Promise<OnlineEndpoint[]> {
  return (await requestJson<{ items: OnlineEndpoint[] }>('GET', base(workspace))).items;
}

export function getEndpoint(workspace: string, name: string): Promise<OnlineEndpoint> {
  return requestJson('GET', `${base(workspace)}/${encodeURIComponent(name)}`);
}

export async function listDeployments(workspace: string, endpoint: string): Promise<OnlineDeployment[]> {
  return (await requestJson<{ items: OnlineDeployment[] }>('GET', `${base(workspace)}/${encodeURIComponent(endpoint)}/deployments`)).items;
}

export function setTraffic(workspace: string, endpoint: string, traffic: Record<string, number>): Promise<OnlineEndpoint> {
  return requestJson('POST', `${base(workspace)}/${encodeURIComponent(endpoint)}/traffic`, { traffic });
}

export function endpointStats(workspace: string, endpoint: string, seconds: number): Promise<EndpointStats> {
  return requestJson('GET', `${base(workspace)}/${encodeURIComponent(endpoint)}/stats${query({ seconds })}`);
}

/** The credential a caller sends: the primary key (key auth) or a fresh token (aml_token auth). */
export async function endpointCredential(workspace: string, endpoint: string): Promise<string> {
  const answer = await requestJson<{ primaryKey?: string; accessToken?: string }>(
    'POST',
    `${base(workspace)}/${encodeURIComponent(endpoint)}/credentials`,
  );
  return answer.primaryKey ?? answer.accessToken ?? '';
}

export interface Invocation {
  status: number;
  deployment: string | null;
  model: string | null;
  body: string;
  elapsedMs: number;
}

/** One scoring request, as any client sends it: the default workspace answers at the root, others under /workspaces/{ws}. */
export async function invokeEndpoint(
  workspace: string,
  endpoint: string,
  credential: string,
  body: string,
  deployment: string | undefined,
): Promise<Invocation> {
  const path = `${workspace === 'default' ? '' : `/workspaces/${encodeURIComponent(workspace)}`}/endpoints/${encodeURIComponent(endpoint)}/score`;
  const started = performance.now();
  const response = await fetch(path, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `Bearer ${credential}`,
      ...(deployment ? { 'azureml-model-deployment': deployment } : {}),
    },
    body,
  });
  const text = await response.text();
  return {
    status: response.status,
    deployment: response.headers.get('azureml-model-deployment'),
    model: response.headers.get('x-trellis-model'),
    body: text,
    elapsedMs: performance.now() - started,
  };
}

/** The last `lines` of a deployment's preparation and instance logs, as text. */
export async function deploymentLogs(workspace: string, endpoint: string, deployment: string, lines: number): Promise<string> {
  const response = await fetch(
    `${base(workspace)}/${encodeURIComponent(endpoint)}/deployments/${encodeURIComponent(deployment)}/logs${query({ lines })}`,
  );
  if (!response.ok) throw new Error(`the logs of '${deployment}' could not be read (${response.status})`);
  return response.text();
}
