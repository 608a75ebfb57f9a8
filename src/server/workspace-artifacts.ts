import { join } from 'node:path';
import type { ArtifactStore } from '../artifacts/artifact-store.js';
import { EncryptedArtifactStore, requiresEncryptedArtifacts } from '../artifacts/encrypted/encrypted-artifact-store.js';
import { LocalArtifactStore } from '../artifacts/local/local-artifact-store.js';
import { objectBucketFor } from '../artifacts/object-bucket-for.js';
import { ObjectArtifactStore } from '../artifacts/object-store/object-artifact-store.js';
import { folderSize, QuotaArtifactStore, storageQuotaOf } from '../artifacts/quota-artifact-store.js';
import type { ArtifactStoreSettings } from '../config/artifact-store-settings.js';
import type { TrellisConfig } from '../config/config.js';
import { TrellisError } from '../core/errors.js';
import { registryOfStorage } from '../core/registries/registry-asset-id.js';
import { checkName } from '../core/resources/names.js';
import type { Store } from '../store/store.js';

export interface WorkspaceArtifacts {
  /** The store of a workspace (or of a registry's space, '@<registry>'), made on first use. */
  artifactsFor(workspace: string): ArtifactStore;
  /** Where artifacts live, in words: a folder, or the container or bucket with its URL. */
  description: string;
}

/** One space's store and how to measure what it holds. */
interface Space {
  store: ArtifactStore;
  measureUsage(): Promise<number>;
}

/**
 * The artifact stores of every workspace over the configured backend, in the same layout everywhere:
 * `artifacts/workspaces/<workspace>/` under the data directory, or under the prefix in the container
 * or bucket. An object store is checked (and its container or bucket made) here, so a server that
 * cannot reach it does not start: the error names the store, its URL and why. Every space is then
 * sealed at rest when its workspace asks (EncryptedArtifactStore) and held to its storage quota.
 */
export async function openWorkspaceArtifacts(config: TrellisConfig, store: Store): Promise<WorkspaceArtifacts> {
  const backend = await openBackend(config.artifacts, join(config.home, 'artifacts', 'workspaces'));
  const spaces = new Map<string, ArtifactStore>();
  return {
    description: backend.description,
    artifactsFor(workspace) {
      // Workspace names are checked before they get here; this guards the keys anyway. A registry's assets live in the
      // space '@<registry>', whose registry name follows the same rule.
      if (checkName(registryOfStorage(workspace) ?? workspace))
        throw new TrellisError('InvalidName', 400, `'${workspace}' is not a valid workspace name`);
      let artifacts = spaces.get(workspace);
      if (!artifacts) {
        const space = backend.space(workspace);
        // Reads take plaintext and sealed objects alike; each write asks the workspace's YAML whether to seal
        // (hbi_workspace: true or a customer_managed_key; see requiresEncryptedArtifacts).
        const sealed = new EncryptedArtifactStore(space.store, {
          workspace,
          keys: store.artifactKeysFor(workspace),
          shouldEncrypt: async () => {
            const spec = (await store.repositories.workspaces.get(workspace))?.spec;
            return spec !== undefined && requiresEncryptedArtifacts(spec);
          },
        });
        // Uploads count against the workspace's storage quota (storage_quota_bytes), when it has one.
        const quotaBytes = storageQuotaOf(config.storageQuotaBytes, workspace);
        artifacts =
          quotaBytes === undefined ? sealed : new QuotaArtifactStore(sealed, { workspace, quotaBytes, measureUsage: space.measureUsage });
        spaces.set(workspace, artifacts);
      }
      return artifacts;
    },
  };
}

async function openBackend(
  settings: ArtifactStoreSettings,
  localRoot: string,
): Promise<{ description: string; space(workspace: string): Space }> {
  if (settings.store === 'local') {
    return {
      description: `the folder ${localRoot}`,
      space(workspace) {
        const root = join(localRoot, workspace);
        return { store: new LocalArtifactStore(root), measureUsage: () => folderSize(root) };
      },
    };
  }
  const bucket = objectBucketFor(settings);
  await bucket.ensureReady();
  return {
    description: bucket.description,
    space(workspace) {
      const objects = new ObjectArtifactStore(bucket, `${settings.prefix}artifacts/workspaces/${workspace}/`);
      return { store: objects, measureUsage: () => objects.usage() };
    },
  };
}
