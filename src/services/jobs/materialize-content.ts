import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { text } from 'node:stream/consumers';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ArtifactStore } from '../../artifacts/artifact-store.js';
import { type FolderManifest, parseFolderManifest } from '../../artifacts/folder-manifest.js';
import { parseContentUri } from '../../core/resources/content-uri.js';
import { TrellisError } from '../../core/errors.js';

/**
 * Writes uploaded content (a `trellis://content/...` file or a `trellis://folders/...` folder)
 * onto local disk under `target`: what a node does when it downloads a job's code and inputs.
 * Returns the local path the job sees: the file itself, or the folder.
 */
export async function materializeContent(artifacts: ArtifactStore, contentUri: string, target: string): Promise<string> {
  const content = parseContentUri(contentUri);
  if (!content)
    throw new TrellisError(
      'UnsupportedContent',
      422,
      `'${contentUri}' is not content stored by Trellis; only uploaded files and folders can be given to a job`,
    );
  await mkdir(target, { recursive: true });
  if (content.type === 'file') {
    const path = join(target, content.fileName);
    await writeStream(await artifacts.openContent(content.digest), path);
    return path;
  }
  const manifest = await readFolderManifest(artifacts, content.digest);
  for (const file of manifest.files) {
    const path = join(target, ...file.path.split('/'));
    await mkdir(dirname(path), { recursive: true });
    await writeStream(await artifacts.openContent(file.digest), path);
  }
  return target;
}

async function writeStream(source: Readable, path: string): Promise<void> {
  await pipeline(source, createWriteStream(path));
}

/** A stored folder's manifest (its files by path, digest and size), read and checked. */
export async function readFolderManifest(artifacts: ArtifactStore, digest: string): Promise<FolderManifest> {
  return parseFolderManifest(JSON.parse(await text(await artifacts.openContent(digest))));
}
