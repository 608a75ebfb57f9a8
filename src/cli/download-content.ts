import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { ApiError } from '../client/api-error.js';
import type { TrellisClient } from '../client/trellis-client.js';
import { parseContentUri } from '../core/resources/content-uri.js';

/**
 * Writes the files of content stored in Trellis (a data asset's `trellis://` path: one file, or a
 * folder's manifest and its files) under `target`; returns their paths relative to it. A path in a
 * manifest that would land outside `target` is refused.
 */
export async function downloadContent(client: TrellisClient, workspace: string, uri: string, target: string): Promise<string[]> {
  const content = parseContentUri(uri);
  if (!content)
    throw new ApiError(409, 'NotDownloadable', `'${uri}' is not content stored by Trellis, so it cannot be downloaded from here`);
  const files =
    content.type === 'file'
      ? [{ path: content.fileName, digest: content.digest }]
      : ((await (await client.openContent(workspace, content.digest)).json()) as { files: Array<{ path: string; digest: string }> }).files;
  const root = resolve(target);
  for (const file of files) {
    const local = resolve(root, file.path);
    if (relative(root, local).startsWith('..'))
      throw new ApiError(
        409,
        'UnsafePath',
        `the stored folder names '${file.path}', which is outside the download folder; nothing more was written`,
      );
    await mkdir(dirname(local), { recursive: true });
    const response = await client.openContent(workspace, file.digest);
    if (!response.body) throw new ApiError(502, 'EmptyResponse', `the server sent no bytes for ${file.path}`);
    await pipeline(Readable.fromWeb(response.body as WebReadableStream<Uint8Array>), createWriteStream(local));
  }
  return files.map((file) => join(file.path));
}
