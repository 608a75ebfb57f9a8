import { allPages, query, requestJson } from './http.js';

/**
 * The model registry as the studio reads it: Trellis model assets (every version, with the
 * lineage Trellis recorded), MLflow's aliases, and the deployments that serve a version (the job
 * that made it is read with api/jobs.ts).
 */

export interface Asset {
  name: string;
  version: string | null;
  spec: Record<string, unknown>;
  status: Record<string, unknown>;
  tags: Record<string, string>;
  description: string | null;
  createdBy: string;
  createdAt: string;
}

export interface ModelLineage {
  registeredThrough?: string;
  source?: string;
  run?: { id: string; experimentId?: string; name?: string };
  loggedModel?: string;
  job?: string;
}

const api = (workspace: string) => `/api/v1/workspaces/${encodeURIComponent(workspace)}`;

/** The newest version of every model. */
export function listModels(workspace: string): Promise<Asset[]> {
  return allPages<Asset>(`${api(workspace)}/models`);
}

export function modelVersions(workspace: string, name: string): Promise<Asset[]> {
  return allPages<Asset>(`${api(workspace)}/models/${encodeURIComponent(name)}/versions`);
}

export function getModelVersion(workspace: string, name: string, version: string): Promise<Asset> {
  return requestJson<Asset>('GET', `${api(workspace)}/models/${encodeURIComponent(name)}/versions/${encodeURIComponent(version)}`);
}

export function lineageOf(asset: Asset): ModelLineage {
  return (asset.status.lineage ?? {}) as ModelLineage;
}

/** MLflow's aliases of a registered model (none when MLflow does not know the name). */
export async function aliasesOf(workspace: string, name: string): Promise<Array<{ alias: string; version: string }>> {
  try {
    const answer = await requestJson<{ registered_model: { aliases?: Array<{ alias: string; version: string }> } }>(
      'GET',
      `/workspaces/${encodeURIComponent(workspace)}/mlflow/api/2.0/mlflow/registered-models/get${query({ name })}`,
    );
    return answer.registered_model.aliases ?? [];
  } catch {
    return [];
  }
}

export interface Serving {
  kind: 'online' | 'batch';
  endpoint: string;
  deployment: string;
  state: string;
}

interface DeploymentItem {
  name: string;
  state: string;
  lineage: { model: { name: string; version: string } | null };
}

/** Online and batch deployments whose model is `name:version`. */
export async function deploymentsServing(workspace: string, name: string, version: string): Promise<Serving[]> {
  const found: Serving[] = [];
  for (const kind of ['online', 'batch'] as const) {
    const base = `${api(workspace)}/${kind}-endpoints`;
    const endpoints = (await requestJson<{ items: Array<{ name: string }> }>('GET', base)).items;
    for (const endpoint of endpoints) {
      const deployments = (
        await requestJson<{ items: DeploymentItem[] }>('GET', `${base}/${encodeURIComponent(endpoint.name)}/deployments`)
      ).items;
      for (const deployment of deployments) {
        if (deployment.lineage.model?.name === name && deployment.lineage.model.version === version)
          found.push({ kind, endpoint: endpoint.name, deployment: deployment.name, state: deployment.state });
      }
    }
  }
  return found;
}
