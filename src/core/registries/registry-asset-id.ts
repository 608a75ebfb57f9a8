import { TrellisError } from '../errors.js';
import { checkName, checkVersion } from '../resources/names.js';

/** The kinds a registry holds, by the segment Azure ML writes in their asset ids. */
export const registryKindSegments = { model: 'models', environment: 'environments', component: 'components', data: 'data' } as const;
export type RegistryKind = keyof typeof registryKindSegments;

/** One asset in a registry: an exact version, or `latest` (Azure's `labels/latest`). */
export interface RegistryAssetReference {
  registry: string;
  kind: RegistryKind;
  name: string;
  version: string;
}

const idPattern = /^azureml:\/\/registries\/([^/]+)\/(models|environments|components|data)\/([^/]+)\/(versions|labels)\/([^/]+)$/;

/** True for `azureml://registries/...`: a reference that names a registry, not the workspace. */
export function isRegistryAssetId(text: string): boolean {
  return text.startsWith('azureml://registries/');
}

/**
 * Parses `azureml://registries/<registry>/<models|environments|components|data>/<name>/versions/<v>`
 * or `.../labels/latest`, as Azure ML writes registry asset ids. Throws 400 naming the right form.
 */
export function parseRegistryAssetId(text: string): RegistryAssetReference {
  const match = idPattern.exec(text);
  const [, registry, segment, name, by, value] = match ?? [];
  const kind = (Object.keys(registryKindSegments) as RegistryKind[]).find((candidate) => registryKindSegments[candidate] === segment);
  const problem =
    !match || !registry || !name || !value || !kind
      ? 'it does not have the form azureml://registries/<registry>/<models|environments|components|data>/<name>/versions/<version> (or /labels/latest)'
      : by === 'labels' && value !== 'latest'
        ? `label '${value}' is not known; the only label is 'latest'`
        : (checkName(registry, 'registry') ?? checkName(name) ?? (by === 'versions' ? checkVersion(value) : undefined))?.message;
  if (problem || !registry || !kind || !name || !value)
    throw new TrellisError('InvalidReference', 400, `registry asset '${text}' is not valid: ${problem}`);
  return { registry, kind, name, version: by === 'labels' ? 'latest' : value };
}

/** The asset id Azure ML writes for a version in a registry. */
export function formatRegistryAssetId(reference: RegistryAssetReference): string {
  const tail = reference.version === 'latest' ? 'labels/latest' : `versions/${reference.version}`;
  return `azureml://registries/${reference.registry}/${registryKindSegments[reference.kind]}/${reference.name}/${tail}`;
}

/**
 * A registry keeps its assets in a storage space of its own, named so that no workspace can be
 * called that: workspace names start with a letter or digit, this one with '@'.
 */
export function registryStorageOf(registry: string): string {
  return `@${registry}`;
}

/** The registry whose storage space this is, or undefined for a workspace. */
export function registryOfStorage(space: string): string | undefined {
  return space.startsWith('@') ? space.slice(1) : undefined;
}

/** The asset id of a version where it lives: `azureml://registries/...` in a registry, `azureml://workspaces/...` in a workspace. */
export function assetIdOf(space: string, kind: RegistryKind, name: string, version: string): string {
  const registry = registryOfStorage(space);
  if (registry !== undefined) return formatRegistryAssetId({ registry, kind, name, version });
  return `azureml://workspaces/${space}/${registryKindSegments[kind]}/${name}/versions/${version}`;
}
