import { Readable } from 'node:stream';
import type { ArtifactStore } from '../../artifacts/artifact-store.js';
import { canonicalManifestJson, createFolderManifest } from '../../artifacts/folder-manifest.js';
import { listAll } from '../../artifacts/list-all.js';
import { TrellisError } from '../../core/errors.js';
import { formatContentUri, parseContentUri } from '../../core/resources/content-uri.js';
import { readFolderManifest } from '../jobs/materialize-content.js';
import { proxiedFolder, storeKey } from '../tracking/mlflow-artifacts.js';

/**
 * Copies an asset's files from one space (a workspace) into another (a registry's), so the copy
 * stands on its own: deleting the workspace later leaves the registry's asset whole. Content
 * keeps its digests, so the path of uploaded content is unchanged; a model logged through MLflow
 * (files behind the workspace's artifact proxy) becomes a content folder of the same name.
 * Returns the path the copy has in the target space; a path to files this server does not hold
 * (https://..., azureml://jobs/...) is returned as it is: recorded, as the original was.
 */
export async function copyAssetContent(from: ArtifactStore, to: ArtifactStore, path: string): Promise<string> {
  const content = parseContentUri(path);
  if (content?.type === 'file') {
    await copyDigest(from, to, content.digest);
    return path;
  }
  if (content?.type === 'folder') {
    const manifest = await readFolderManifest(from, content.digest);
    for (const file of manifest.files) await copyDigest(from, to, file.digest);
    await copyDigest(from, to, content.digest);
    return path;
  }
  const proxied = proxiedFolder(path);
  if (!proxied) return path;
  const prefix = storeKey(decodeURIComponent(proxied));
  const files = (await listAll(from, prefix, { recursive: true })).filter((item) => !item.isDirectory);
  if (files.length === 0) throw new TrellisError('ModelFilesMissing', 409, `the files at '${path}' are gone (nothing under ${prefix})`);
  const stored = [];
  for (const file of files) {
    const put = await to.putContent(await from.open(file.path));
    stored.push({ path: file.path.slice(prefix.length + 1), digest: put.digest, size: put.size });
  }
  const manifest = await to.putContent(Readable.from([Buffer.from(canonicalManifestJson(createFolderManifest(stored)))]));
  return formatContentUri({ type: 'folder', digest: manifest.digest, folderName: prefix.split('/').pop() || 'model' });
}

async function copyDigest(from: ArtifactStore, to: ArtifactStore, digest: string): Promise<void> {
  if (await to.hasContent(digest)) return;
  await to.putContent(await from.openContent(digest), { expectedDigest: digest });
}
