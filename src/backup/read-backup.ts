import { TrellisError } from '../core/errors.js';
import type { BackupManifest } from '../core/backup/backup-manifest.js';
import type { BackupTarget } from './backup-target.js';

/** The manifest of backup `id` at the target, or of its newest backup when no id is given. */
export async function chooseBackup(target: BackupTarget, id: string | undefined): Promise<BackupManifest> {
  if (id !== undefined) return target.readManifest(id);
  const newest = (await target.listBackups()).at(-1);
  if (newest === undefined)
    throw new TrellisError(
      'BackupNotFound',
      404,
      `${target.location} holds no backup; take one with: trellis backup --to ${target.location}`,
    );
  return target.readManifest(newest);
}
