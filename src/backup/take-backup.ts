import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join, relative, resolve, sep } from 'node:path';
import { hasCode, unlessMissing } from '../core/error-codes.js';
import { TrellisError } from '../core/errors.js';
import type { BackupFile, BackupManifest, BackupObject, BackupStoredFile } from '../core/backup/backup-manifest.js';
import type { MetadataSnapshots } from '../store/snapshot/metadata-snapshot.js';
import type { BackupTarget } from './backup-target.js';
import { freshBackupId } from './artifact-store-target.js';
import { type ProgressListener, throttled } from './backup-progress.js';
import { type DataDirectoryFile, listKeptFiles } from './data-directory-files.js';
import { inParallel } from './in-parallel.js';
import type { StoredArtifact, StoredArtifacts } from './stored-artifacts.js';
import { trellisVersion } from './trellis-version.js';

/** Files copied at once: enough to overlap reading, hashing and fsync on a small machine. */
const parallelCopies = 4;

export interface BackupSummary {
  id: string;
  location: string;
  files: number;
  bytes: number;
  /** Objects written by this backup, and objects it found in the pool already (incremental). */
  copied: { objects: number; bytes: number };
  present: { objects: number; bytes: number };
  /** Files that went away between listing and copying (a temp file renamed, an artifact deleted). */
  vanished: number;
  /** Of `files`, the artifacts copied out of the object store the data directory keeps them in. */
  objectStore?: { description: string; files: number; bytes: number };
  /** copied: its bytes were new to the pool; reused: the database had not changed since the last backup, so no snapshot was taken. */
  metadata: { dialect: string; migration: string; bytes: number; copied: boolean; reused: boolean };
  seconds: number;
}

/**
 * Takes a backup of the data directory `home` into `target`: first the metadata (one consistent
 * snapshot, the server may be running), then every file a backup keeps. Files come after the
 * snapshot, so every artifact the snapshot refers to is there (artifacts are written before the
 * records that name them); a file that did not change since the last backup of the same data
 * directory (same size, times and inode) is not read again, and bytes the pool holds are not written again.
 */
export async function takeBackup(options: {
  home: string;
  snapshots: MetadataSnapshots;
  target: BackupTarget;
  /** Where the data directory keeps its artifacts when not as files under it (config.yaml `artifacts:`). */
  storedArtifacts?: StoredArtifacts | undefined;
  onProgress?: ProgressListener;
  now?: () => Date;
}): Promise<BackupSummary> {
  const now = options.now ?? (() => new Date());
  const home = resolve(options.home);
  const { target, snapshots } = options;
  if (target.localFolder !== undefined && isInside(target.localFolder, home))
    throw new TrellisError(
      'BackupTargetInsideHome',
      400,
      `the backup folder ${target.localFolder} is inside the data directory ${home}; give --to a folder outside it, ideally on another disk`,
    );
  const info = await unlessMissing(stat(home));
  if (!info?.isDirectory())
    throw new TrellisError(
      'DataDirectoryNotFound',
      404,
      `there is no data directory at ${home}; give the one to back up with --home (or TRELLIS_HOME)`,
    );
  await target.prepareForWriting();
  await options.storedArtifacts?.ensureReady();
  const startedAt = now();
  const source = { home, host: hostname() };
  const previous = await previousBackup(target, source);
  const previousFiles = new Map((previous?.files ?? []).map((file) => [file.path, file]));
  const id = await freshBackupId(target, startedAt);
  const progress = throttled(options.onProgress);

  // The metadata: the last snapshot again when the database has not changed since, else a new one stored as one object.
  progress({ step: 'metadata', done: 0, total: 1, bytes: 0, totalBytes: 0 });
  const { metadata, copied: metadataCopied, reused: metadataReused } = await snapshotMetadata(snapshots, target, previous?.metadata);
  progress({ step: 'metadata', done: 1, total: 1, bytes: metadata.object.size, totalBytes: metadata.object.size });

  // The files, after the snapshot (see above).
  const leaveOut = leftOutPaths(home, snapshots);
  const listed = await listKeptFiles(home, leaveOut);
  const storedArtifacts = options.storedArtifacts;
  const artifacts = storedArtifacts ? await storedArtifacts.list() : [];
  const previousArtifacts = new Map((previous?.objectStore?.files ?? []).map((file) => [file.path, file]));
  const totalBytes = [...listed, ...artifacts].reduce((sum, file) => sum + file.size, 0);
  const total = listed.length + artifacts.length;
  const counts = { done: 0, bytes: 0, copied: 0, copiedBytes: 0, present: 0, presentBytes: 0, vanished: 0 };
  const copiedObjects = new Set<string>();
  const count = (entry: { file: BackupObject; isNew: boolean } | undefined, size: number) => {
    counts.done += 1;
    counts.bytes += size;
    if (entry === undefined) counts.vanished += 1;
    else if (entry.isNew && !copiedObjects.has(entry.file.sha256)) {
      copiedObjects.add(entry.file.sha256);
      counts.copied += 1;
      counts.copiedBytes += entry.file.size;
    } else {
      counts.present += 1;
      counts.presentBytes += entry.file.size;
    }
    progress({ step: 'files', done: counts.done, total, bytes: counts.bytes, totalBytes });
  };
  const stored = await inParallel(listed, parallelCopies, async (file): Promise<BackupFile | undefined> => {
    const entry = await storeFile(target, file, previousFiles.get(file.path));
    count(entry, file.size);
    return entry?.file;
  });
  const files = stored.filter((file): file is BackupFile => file !== undefined);
  // Then the artifacts of the object store, when they are kept in one: read from there, stored in the pool alike.
  const storedInStore = !storedArtifacts
    ? []
    : await inParallel(artifacts, parallelCopies, async (artifact): Promise<BackupStoredFile | undefined> => {
        const entry = await storeArtifact(target, storedArtifacts, artifact, previousArtifacts.get(artifact.path));
        count(entry, artifact.size);
        return entry?.file;
      });
  const objectStoreFiles = storedInStore.filter((file): file is BackupStoredFile => file !== undefined);
  const bytes = [...files, ...objectStoreFiles].reduce((sum, file) => sum + file.size, 0);
  const seconds = (now().getTime() - startedAt.getTime()) / 1000;
  const objectStore = storedArtifacts ? { description: storedArtifacts.description, files: objectStoreFiles } : undefined;
  await target.writeManifest({
    format: 'trellis-backup',
    formatVersion: 1,
    id,
    createdAt: startedAt.toISOString(),
    seconds,
    trellisVersion: await trellisVersion(),
    source,
    metadata,
    files,
    ...(objectStore ? { objectStore } : {}),
    totals: { files: files.length + objectStoreFiles.length, bytes },
  });
  return {
    id,
    location: target.location,
    files: files.length + objectStoreFiles.length,
    bytes,
    copied: {
      objects: counts.copied + (metadataCopied ? 1 : 0),
      bytes: counts.copiedBytes + (metadataCopied ? metadata.object.size : 0),
    },
    present: {
      objects: counts.present + (metadataCopied ? 0 : 1),
      bytes: counts.presentBytes + (metadataCopied ? 0 : metadata.object.size),
    },
    vanished: counts.vanished,
    ...(objectStore
      ? {
          objectStore: {
            description: objectStore.description,
            files: objectStoreFiles.length,
            bytes: objectStoreFiles.reduce((sum, file) => sum + file.size, 0),
          },
        }
      : {}),
    metadata: {
      dialect: metadata.dialect,
      migration: metadata.migration,
      bytes: metadata.object.size,
      copied: metadataCopied,
      reused: metadataReused,
    },
    seconds,
  };
}

/**
 * Stores one file: when it still looks as the last backup of this data directory saw it and the
 * pool has its object, nothing is read; otherwise its bytes are hashed while written to the pool.
 * Undefined when the file went away meanwhile.
 */
async function storeFile(
  target: BackupTarget,
  file: DataDirectoryFile,
  before: BackupFile | undefined,
): Promise<{ file: BackupFile; isNew: boolean } | undefined> {
  const seen = { modifiedAtMs: file.modifiedAtMs, changedAtMs: file.changedAtMs, inode: file.inode };
  if (
    before !== undefined &&
    before.size === file.size &&
    before.modifiedAtMs === file.modifiedAtMs &&
    before.changedAtMs === file.changedAtMs &&
    before.inode === file.inode &&
    (await target.hasObject(before.sha256))?.size === file.size
  )
    return { file: { ...before, path: file.path }, isNew: false };
  try {
    const stored = await target.putObject(createReadStream(file.absolutePath));
    return { file: { path: file.path, sha256: stored.sha256, size: stored.size, ...seen }, isNew: stored.isNew };
  } catch (error) {
    if (hasCode(error, 'ENOENT')) return undefined;
    throw error;
  }
}

/**
 * Stores one artifact of the object store: when it has the size and modification time the last
 * backup of this data directory saw and the pool has its object, nothing is read (a content object
 * never changes; a named one replaced has a new time); otherwise its bytes are read from the store and
 * hashed while written to the pool. Undefined when it was deleted meanwhile.
 */
async function storeArtifact(
  target: BackupTarget,
  artifacts: StoredArtifacts,
  artifact: StoredArtifact,
  before: BackupStoredFile | undefined,
): Promise<{ file: BackupStoredFile; isNew: boolean } | undefined> {
  if (
    before !== undefined &&
    before.size === artifact.size &&
    before.modifiedAtMs === artifact.modifiedAtMs &&
    (await target.hasObject(before.sha256))?.size === artifact.size
  )
    return { file: before, isNew: false };
  const source = await artifacts.open(artifact.path);
  if (source === undefined) return undefined;
  const stored = await target.putObject(source);
  return {
    file: { path: artifact.path, sha256: stored.sha256, size: stored.size, modifiedAtMs: artifact.modifiedAtMs },
    isNew: stored.isNew,
  };
}

/** The newest backup at the target taken from the same data directory on the same machine. */
async function previousBackup(target: BackupTarget, source: { home: string; host: string }): Promise<BackupManifest | undefined> {
  for (const id of (await target.listBackups()).reverse()) {
    const manifest = await target.readManifest(id);
    if (manifest.source.home === source.home && manifest.source.host === source.host) return manifest;
  }
  return undefined;
}

/**
 * The metadata's entry in the manifest. When the database's fingerprint is the one the last backup
 * of this data directory recorded (and the pool still has that snapshot), nothing is read: the
 * database has not changed. Otherwise a snapshot is taken, hashed, and stored unless the pool has
 * those bytes; its fingerprint is recorded only when the database did not change while it was taken.
 */
async function snapshotMetadata(
  snapshots: MetadataSnapshots,
  target: BackupTarget,
  last: BackupManifest['metadata'] | undefined,
): Promise<{ metadata: BackupManifest['metadata']; copied: boolean; reused: boolean }> {
  const before = await snapshots.fingerprint();
  if (before !== undefined && last?.fingerprint === before && (await target.hasObject(last.object.sha256))?.size === last.object.size)
    return { metadata: last, copied: false, reused: true };
  const scratch = await mkdtemp(join(tmpdir(), 'trellis-backup-'));
  try {
    const file = join(scratch, 'metadata');
    const level = await snapshots.take(file);
    const after = await snapshots.fingerprint();
    const digest = await sha256Of(file);
    const known = await target.hasObject(digest.sha256);
    const stored = known?.size === digest.size ? { ...digest, isNew: false } : await target.putObject(createReadStream(file));
    return {
      metadata: {
        dialect: snapshots.dialect,
        format: snapshots.format,
        migration: level.migration,
        migrationsApplied: level.migrationsApplied,
        ...(level.serverVersion !== undefined ? { serverVersion: level.serverVersion } : {}),
        ...(before !== undefined && before === after ? { fingerprint: before } : {}),
        object: { sha256: stored.sha256, size: stored.size },
      },
      copied: stored.isNew,
      reused: false,
    };
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/** A SQLite database configured elsewhere under the data directory is taken by the snapshot, not copied as a file. */
function leftOutPaths(home: string, snapshots: MetadataSnapshots): (path: string) => boolean {
  if (snapshots.dialect !== 'sqlite' || !isInside(snapshots.location, home)) return () => false;
  const database = relative(home, resolve(snapshots.location)).split(sep).join('/');
  return (path) => path === database || path === `${database}-wal` || path === `${database}-shm` || path === `${database}-journal`;
}

/** Whether `path` is `folder` or lies inside it. */
export function isInside(path: string, folder: string): boolean {
  const way = relative(resolve(folder), resolve(path));
  return way === '' || (!way.startsWith('..') && !way.startsWith(sep) && way !== '..');
}

/** The sha256 and size of a file's bytes. */
async function sha256Of(file: string): Promise<{ sha256: string; size: number }> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of createReadStream(file)) {
    hash.update(chunk);
    size += chunk.length;
  }
  return { sha256: hash.digest('hex'), size };
}
