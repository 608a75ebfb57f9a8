import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ArtifactStore } from '../../artifacts/artifact-store.js';
import { parseFolderManifest } from '../../artifacts/folder-manifest.js';
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
  const manifest = parseFolderManifest(JSON.parse(await readAll(await artifacts.openContent(content.digest))));
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

async function readAll(source: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of source) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}
