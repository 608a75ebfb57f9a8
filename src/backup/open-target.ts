import type { BackupTarget } from './backup-target.js';
import { checkReadableFolder, folderTarget } from './folder/folder-target.js';
import { objectStoreTarget } from './object-store/object-store-target.js';

/**
 * The target a --to or --from names: a URL an object store (an Azure Blob container, an S3 bucket;
 * see object-store/object-store-target.ts), anything else a folder.
 */
export async function openBackupTarget(location: string, purpose: 'write' | 'read', env = process.env): Promise<BackupTarget> {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(location)) return objectStoreTarget(location, env);
  const target = folderTarget(location);
  if (purpose === 'read') await checkReadableFolder(target.location);
  return target;
}
