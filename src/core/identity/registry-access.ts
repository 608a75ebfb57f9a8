import { registryOfStorage } from '../registries/registry-asset-id.js';
import { ml } from './route-access.js';

/** Azure's namespace for registry actions (the AzureML Registry User role grants registries/read and registries/assets/*). */
export const registries = 'Microsoft.MachineLearningServices/registries';

const assetAction = new RegExp(`^${ml.replaceAll('/', '\\/')}/(environments|data|codes|models|components)/(read|write|delete)$`);

/**
 * A registry's assets are served by the same routes as a workspace's, under the storage space
 * '@<registry>'. This says what a workspace action on that space means on the registry: asset
 * reads, writes and deletes become registries/assets/*, uploads write assets, reading the space
 * reads the registry. Anything else (jobs, endpoints, computes, MLflow) is no registry's: undefined.
 */
export function registryActionFor(action: string): string | undefined {
  const asset = assetAction.exec(action);
  if (asset) return `${registries}/assets/${asset[2]}`;
  switch (action) {
    case `${ml}/metadata/assets/read`:
    case `${ml}/metadata/snapshots/read`:
      return `${registries}/assets/read`;
    case `${ml}/metadata/snapshots/write`:
      return `${registries}/assets/write`;
    case `${ml}/read`:
      return `${registries}/read`;
    default:
      return undefined;
  }
}

/** The scope of a registry, as Azure writes the tail of its resource id. */
export function registryScopeOf(registry: string): string {
  return `/registries/${registry}`;
}

/** For a scope `/workspaces/@<registry>` (a registry's storage space), the registry; otherwise undefined. */
export function registryOfScope(scope: string): string | undefined {
  return scope.startsWith('/workspaces/') ? registryOfStorage(scope.slice('/workspaces/'.length)) : undefined;
}

/** The registries a request body refers to (azureml://registries/<name>/...), each once. */
export function registriesNamedIn(body: string): string[] {
  return [...new Set([...body.matchAll(/azureml:\/\/registries\/([A-Za-z0-9][A-Za-z0-9._-]*)\//g)].map((match) => match[1]!))];
}
