import { TrellisError } from '../core/errors.js';
import type { BackupTarget } from './backup-target.js';
import { checkReadableFolder, folderTarget } from './folder/folder-target.js';

/**
 * The target a --to or --from names: a folder now. A URL names an object store, which needs its
 * ArtifactStore (Azure Blob, S3) behind an ArtifactStoreTarget; until one is wired here, it is refused.
 */
export async function openBackupTarget(location: string, purpose: 'write' | 'read'): Promise<BackupTarget> {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(location))
    throw new TrellisError(
      'BackupTargetUnsupported',
      400,
      `backups to ${new URL(location).protocol}// locations are not supported yet; give a folder (a mounted share or another disk) with ${purpose === 'write' ? '--to' : '--from'}`,
    );
  const target = folderTarget(location);
  if (purpose === 'read') await checkReadableFolder(target.location);
  return target;
}
