import type { Readable } from 'node:stream';
import type { BackupManifest } from '../core/backup/backup-manifest.js';

/**
 * Where backups are kept: a pool of objects named by the sha256 of their bytes, which several
 * backups share, and one manifest per backup. Small on purpose, so another place (an Azure Blob
 * container, an S3 bucket) is one more implementation: folder/ is the first, over the local
 * artifact store; any ArtifactStore can back one (see artifact-store-target.ts).
 */
export interface BackupTarget {
  /** Where it is, for people. */
  readonly location: string;
  /** The local folder it writes to, when it is one (a backup must not be inside the data directory it copies). */
  readonly localFolder?: string | undefined;
  /** Checks that backups can be written here before any work starts; throws BackupTargetUnwritable naming why. */
  prepareForWriting(): Promise<void>;
  /** The size of the object with this sha256 (64 hex), or undefined when the pool has none. */
  hasObject(sha256: string): Promise<{ size: number } | undefined>;
  /** Stores bytes under their sha256, hashing while writing; `isNew` is false when they were there already (then nothing is kept twice). */
  putObject(source: Readable): Promise<{ sha256: string; size: number; isNew: boolean }>;
  /** Opens an object; BackupObjectMissing when it is not there. */
  openObject(sha256: string): Promise<Readable>;
  /** Writes a backup's manifest, which makes the backup exist (its objects must be stored before). */
  writeManifest(manifest: BackupManifest): Promise<void>;
  /** Reads one backup's manifest; BackupNotFound when there is none by that id. */
  readManifest(id: string): Promise<BackupManifest>;
  /** The ids of the backups here, oldest first (ids sort by time). */
  listBackups(): Promise<string[]>;
}
