import type { ResourceBody } from '../../../src/client/trellis-client.js';
import { mlflowRegistryRoutes } from '../../../src/contract/mlflow/registry.js';
import { allPages, trellis } from './client.js';

/**
 * The model registry as the studio reads it: Trellis model assets (every version, with the
 * lineage Trellis recorded), MLflow's aliases, and the deployments that serve a version (the job
 * that made it is read with api/jobs.ts).
 */

/** A model version as the API answers it. */
export type Asset = ResourceBody;

export interface ModelLineage {
  registeredThrough?: string;
  source?: string;
  run?: { id: string; experimentId?: string; name?: string };
  loggedModel?: string;
  job?: string;
}

/** The newest version of every model. */
export function listModels(workspace: string): Promise<Asset[]> {
  return allPages((pageToken) => trellis.list(workspace, 'model', { limit: 200, ...(pageToken ? { pageToken } : {}) }));
}

export function modelVersions(workspace: string, name: string): Promise<Asset[]> {
  return allPages((pageToken) => trellis.list(workspace, 'model', { name, limit: 200, ...(pageToken ? { pageToken } : {}) }));
}

export function getModelVersion(workspace: string, name: string, version: string): Promise<Asset> {
  return trellis.get(workspace, 'model', name, version);
}

export function lineageOf(asset: Asset): ModelLineage {
  return (asset.status.lineage ?? {}) as ModelLineage;
}

/** MLflow's aliases of a registered model (none when MLflow does not know the name). */
export async function aliasesOf(workspace: string, name: string): Promise<Array<{ alias: string; version: string }>> {
  try {
    const answer = await trellis.mlflow(workspace).call(mlflowRegistryRoutes.getRegisteredModel, { name });
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

/** Online and batch deployments whose model is `name:version`. */
export async function deploymentsServing(workspace: string, name: string, version: string): Promise<Serving[]> {
  const found: Serving[] = [];
  const serves = (model: unknown) => {
    const named = model as { name?: string; version?: string } | null;
    return named?.name === name && named.version === version;
  };
  for (const endpoint of (await trellis.listOnlineEndpoints(workspace)).items) {
    for (const deployment of (await trellis.listOnlineDeployments(workspace, endpoint.name)).items) {
      if (serves(deployment.lineage.model))
        found.push({ kind: 'online', endpoint: endpoint.name, deployment: deployment.name, state: deployment.state });
    }
  }
  for (const endpoint of (await trellis.listBatchEndpoints(workspace)).items) {
    for (const deployment of (await trellis.listBatchDeployments(workspace, endpoint.name)).items) {
      if (serves(deployment.lineage.model))
        found.push({ kind: 'batch', endpoint: endpoint.name, deployment: deployment.name, state: deployment.state });
    }
  }
  return found;
}
