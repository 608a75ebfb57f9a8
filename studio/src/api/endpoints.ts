import type { DeploymentBody, DeploymentProfileBody, EndpointBody, EndpointStatsBody } from '../../../src/client/trellis-client.js';
import { trellis } from './client.js';

/** Online endpoints: the management API (/api/v1) through the client, their live numbers, and scoring as a caller does it. */

export type OnlineEndpoint = EndpointBody;
export type OnlineDeployment = DeploymentBody;
export type EndpointStats = EndpointStatsBody;
export type DeploymentStats = EndpointStats['deployments'][number];
/** One second of a deployment's traffic, as the server's stats route computes it. */
export type SecondPoint = DeploymentStats['series'][number];

export async function listEndpoints(workspace: string): Promise<OnlineEndpoint[]> {
  return (await trellis.listOnlineEndpoints(workspace)).items;
}

export function getEndpoint(workspace: string, name: string): Promise<OnlineEndpoint> {
  return trellis.getOnlineEndpoint(workspace, name);
}

export async function listDeployments(workspace: string, endpoint: string): Promise<OnlineDeployment[]> {
  return (await trellis.listOnlineDeployments(workspace, endpoint)).items;
}

export type DeploymentProfile = DeploymentProfileBody;

/** The latest profile of each deployment that has one (a load test and the sizing it recommends). */
export async function latestProfiles(workspace: string, endpoint: string, deployments: string[]): Promise<DeploymentProfile[]> {
  const latest = await Promise.all(
    deployments.map(async (name) => (await trellis.listDeploymentProfiles(workspace, endpoint, name)).items[0]),
  );
  return latest.filter((profile) => profile !== undefined);
}

export function setTraffic(workspace: string, endpoint: string, traffic: Record<string, number>): Promise<OnlineEndpoint> {
  return trellis.setTraffic(workspace, endpoint, { traffic });
}

export function endpointStats(workspace: string, endpoint: string, seconds: number): Promise<EndpointStats> {
  return trellis.endpointStats(workspace, endpoint, seconds);
}

/** The credential a caller sends: the primary key (key auth) or a fresh token (aml_token auth). */
export async function endpointCredential(workspace: string, endpoint: string): Promise<string> {
  const answer = await trellis.endpointCredentials(workspace, endpoint);
  return 'primaryKey' in answer ? answer.primaryKey : answer.accessToken;
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
export function deploymentLogs(workspace: string, endpoint: string, deployment: string, lines: number): Promise<string> {
  return trellis.onlineDeploymentLogs(workspace, endpoint, deployment, lines);
}
