import { constants } from 'node:fs';
import { access, mkdir, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { LocalArtifactStore } from '../../artifacts/local/local-artifact-store.js';
import { hasCode } from '../../core/error-codes.js';
import { TrellisError } from '../../core/errors.js';
import { ArtifactStoreTarget } from '../artifact-store-target.js';

/**
 * Backups in a folder (another disk, a mounted share): `blobs/sha256/<2 hex>/<hex>` is the object
 * pool, `objects/backups/<id>.json` the manifests, written with the local artifact store's durable
 * writes (fsynced temp file, then rename).
 */
export function folderTarget(folder: string): ArtifactStoreTarget {
  const root = resolve(folder);
  return new ArtifactStoreTarget(new LocalArtifactStore(root), root, () => checkWritable(root), root);
}

/** Whether a folder holds backups to read: it must exist. */
export async function checkReadableFolder(folder: string): Promise<void> {
  const info = await stat(folder).catch((error: unknown) => {
    if (hasCode(error, 'ENOENT', 'ENOTDIR'))
      throw new TrellisError(
        'BackupNotFound',
        404,
        `there is no backup folder at ${folder}; give the folder backups were written to (--from)`,
      );
    throw unusable(folder, error);
  });
  if (!info.isDirectory())
    throw new TrellisError(
      'BackupNotFound',
      404,
      `${folder} is a file, not a backup folder; give the folder backups were written to (--from)`,
    );
}

async function checkWritable(folder: string): Promise<void> {
  try {
    // A file in the way: EEXIST (the folder itself) or ENOTDIR (a folder above it).
    await mkdir(folder, { recursive: true, mode: 0o700 });
    await access(folder, constants.W_OK);
  } catch (error) {
    throw unusable(folder, error);
  }
}

function unusable(folder: string, error: unknown): TrellisError {
  const code = (error as { code?: unknown }).code;
  const why = code === 'EEXIST' || code === 'ENOTDIR' ? 'a file is in the way' : `${String(code ?? '')} ${(error as Error).message}`.trim();
  return new TrellisError(
    'BackupTargetUnwritable',
    400,
    `the backup folder ${folder} cannot be written (${why}); give --to a folder you can write to, ideally on another disk`,
  );
}
