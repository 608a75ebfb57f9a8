import { mkdir, open, readdir, rm } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { DigestingStream } from '../artifacts/content-digest.js';
import { unlessMissing } from '../core/error-codes.js';
import { TrellisError } from '../core/errors.js';
import type { BackupObject } from '../core/backup/backup-manifest.js';
import type { MetadataSnapshots } from '../store/snapshot/metadata-snapshot.js';
import { checkRestorable } from '../store/snapshot/migration-level.js';
import type { BackupTarget } from './backup-target.js';
import { type ProgressListener, throttled } from './backup-progress.js';
import { inParallel } from './in-parallel.js';
import { artifactsRoot, type StoredArtifacts } from './stored-artifacts.js';
import { chooseBackup } from './read-backup.js';
import { isInside } from './take-backup.js';
import { trellisVersion } from './trellis-version.js';

const parallelCopies = 4;

/** What a data directory may hold and still count as fresh: the configuration written for it, and the environment cache. */
const keptOnReplace = new Set(['config.yaml', 'environments']);

export interface RestoreSummary {
  id: string;
  home: string;
  files: number;
  bytes: number;
  metadata: { dialect: string; migration: string; location: string };
  /** The object store the artifacts were written into, when the data directory keeps them in one. */
  artifactsIn?: string;
  /** The backup's config.yaml, when the data directory had its own (which is kept): where it was written instead. */
  configFromBackup?: string;
  seconds: number;
}

/**
 * Restores backup `id` (default: the newest) from `target` into the data directory `home`, whose
 * server must not be running: the metadata into the database the directory's configuration names,
 * then every file, each checked against its sha256 as it is written. A directory (or PostgreSQL
 * database) that holds anything is refused unless `replace`, which removes what is there first.
 */
export async function restoreBackup(options: {
  home: string;
  snapshots: MetadataSnapshots;
  target: BackupTarget;
  id?: string | undefined;
  replace: boolean;
  /**
   * The object store the data directory's configuration keeps artifacts in, or undefined for files under it
   * (the local store). Asked before anything is written, and again once the backup's config.yaml is in place
   * when the directory had none of its own (it may name a store).
   */
  artifactsInto?: () => StoredArtifacts | undefined;
  onProgress?: ProgressListener;
  now?: () => Date;
}): Promise<RestoreSummary> {
  const now = options.now ?? (() => new Date());
  const startedAt = now().getTime();
  const home = resolve(options.home);
  const { target, snapshots } = options;
  if (target.localFolder !== undefined && isInside(target.localFolder, home))
    throw new TrellisError(
      'BackupTargetInsideHome',
      400,
      `the backup folder ${target.localFolder} is inside the data directory ${home}; move it elsewhere first (a restore may empty the directory)`,
    );
  const manifest = await chooseBackup(target, options.id);
  if (manifest.metadata.dialect !== snapshots.dialect)
    throw new TrellisError(
      'BackupDialectMismatch',
      409,
      manifest.metadata.dialect === 'postgres'
        ? `backup '${manifest.id}' holds a PostgreSQL database; set TRELLIS_DATABASE_URL (or database_url in ${join(home, 'config.yaml')}) to an empty PostgreSQL database to restore it into`
        : `backup '${manifest.id}' holds a SQLite database, but this data directory is configured for PostgreSQL (${snapshots.location}); unset TRELLIS_DATABASE_URL / database_url to restore it as the embedded database`,
    );
  checkRestorable(manifest.metadata.dialect, manifest.metadata.migration, await trellisVersion());

  const present = ((await unlessMissing(readdir(home))) ?? []).filter((name) => !keptOnReplace.has(name)).sort();
  const databaseIsEmpty = snapshots.dialect === 'sqlite' || (await snapshots.isEmpty());
  if ((present.length > 0 || !databaseIsEmpty) && !options.replace) {
    const what = [
      ...(present.length > 0 ? [`the data directory ${home} holds ${listed(present)}`] : []),
      ...(databaseIsEmpty ? [] : [`the database ${snapshots.location} has tables`]),
    ];
    throw new TrellisError(
      'RestoreTargetNotEmpty',
      409,
      `${what.join(' and ')}; restore into a fresh data directory (--home), or pass --replace to delete what is there and put the backup in its place`,
    );
  }
  const configured = options.artifactsInto?.();
  await checkArtifactsEmpty(configured, options.replace);
  for (const name of present) await rm(join(home, name), { recursive: true, force: true });
  await mkdir(home, { recursive: true, mode: 0o700 });

  // The files first: a data directory with its database restored is one a server would start on.
  const hasOwnConfig = (await unlessMissing(readdir(home)))?.includes('config.yaml') ?? false;
  const progress = throttled(options.onProgress);
  const totalBytes = manifest.totals.bytes;
  let done = 0;
  let bytes = 0;
  let configFromBackup: string | undefined;
  // Artifacts, whether they were files of the data directory or objects of a store, go where this directory keeps them.
  const artifacts = [...manifest.files.filter((file) => file.path.startsWith(artifactsRoot)), ...(manifest.objectStore?.files ?? [])];
  const others = manifest.files.filter((file) => !file.path.startsWith(artifactsRoot));
  const total = others.length + artifacts.length;
  const advance = (size: number) => {
    done += 1;
    bytes += size;
    progress({ step: 'files', done, total, bytes, totalBytes });
  };
  await inParallel(others, parallelCopies, async (file) => {
    let path = join(home, ...file.path.split('/'));
    if (file.path === 'config.yaml' && hasOwnConfig) {
      path = join(home, 'config.yaml.from-backup');
      configFromBackup = path;
    }
    await restoreObject(target, file, path);
    advance(file.size);
  });
  // The backup's config.yaml, now in place, may name an object store of its own.
  const destination = hasOwnConfig ? configured : options.artifactsInto?.();
  if (destination !== undefined && destination.description !== configured?.description)
    await checkArtifactsEmpty(destination, options.replace);
  if (destination !== undefined && options.replace) await destination.clear();
  await inParallel(artifacts, parallelCopies, async (file) => {
    if (destination === undefined) await restoreObject(target, file, join(home, ...file.path.split('/')));
    else await restoreStoredObject(target, file, destination);
    advance(file.size);
  });

  const snapshot = join(home, `.restore-${manifest.id}.tmp`);
  try {
    await restoreObject(target, manifest.metadata.object, snapshot);
    await snapshots.restore(snapshot);
  } finally {
    await rm(snapshot, { force: true });
  }
  progress({ step: 'metadata', done: 1, total: 1, bytes: manifest.metadata.object.size, totalBytes: manifest.metadata.object.size });
  return {
    id: manifest.id,
    home,
    files: manifest.files.length,
    bytes: manifest.totals.bytes,
    metadata: { dialect: manifest.metadata.dialect, migration: manifest.metadata.migration, location: snapshots.location },
    ...(destination !== undefined ? { artifactsIn: destination.description } : {}),
    ...(configFromBackup !== undefined ? { configFromBackup } : {}),
    seconds: (now().getTime() - startedAt) / 1000,
  };
}

/** Writes an object to `path` (new), checking its sha256 and size on the way; a mismatch removes the file and names the object. */
async function restoreObject(target: BackupTarget, object: BackupObject & { path?: string }, path: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const hasher = new DigestingStream();
  const handle = await open(path, 'wx', 0o600);
  try {
    await pipeline(await target.openObject(object.sha256), hasher, handle.createWriteStream({ flush: true }));
  } catch (error) {
    await rm(path, { force: true });
    throw error;
  }
  if (hasher.digest !== `sha256:${object.sha256}` || hasher.size !== object.size) {
    await rm(path, { force: true });
    throw corruptObject(target, object, { digest: hasher.digest, size: hasher.size });
  }
}

/** Checks the object store answers (making its container or bucket), and refuses one that holds artifacts already, unless they are to be replaced. */
async function checkArtifactsEmpty(artifacts: StoredArtifacts | undefined, replace: boolean): Promise<void> {
  if (artifacts === undefined) return;
  // Made when missing, as a server makes it at start.
  await artifacts.ensureReady();
  if (replace) return;
  const held = await artifacts.someHeld(3);
  if (held.length > 0)
    throw new TrellisError(
      'RestoreTargetNotEmpty',
      409,
      `the artifact store (${artifacts.description}) already holds artifacts (${listed(held)}); configure an empty container, bucket or prefix for this data directory, or pass --replace to delete them and put the backup's in their place`,
    );
}

/** Writes an object into the artifact store, checking its sha256 and size on the way; a mismatch removes it and names the object. */
async function restoreStoredObject(
  target: BackupTarget,
  object: BackupObject & { path: string },
  artifacts: StoredArtifacts,
): Promise<void> {
  const written = await artifacts.write(object.path, await target.openObject(object.sha256));
  if (written.digest !== `sha256:${object.sha256}` || written.size !== object.size) {
    await artifacts.delete(object.path);
    throw corruptObject(target, object, written);
  }
}

function corruptObject(
  target: BackupTarget,
  object: BackupObject & { path?: string },
  found: { digest: string; size: number },
): TrellisError {
  return new TrellisError(
    'BackupObjectCorrupt',
    422,
    `object ${object.sha256}${object.path ? ` (${object.path})` : ''} in the backup at ${target.location} is corrupt: it holds ${found.size} bytes hashing to ${found.digest.slice('sha256:'.length)}; check the backup with: trellis backup verify --from ${target.location}`,
  );
}

function listed(names: string[]): string {
  const shown = names.slice(0, 5).join(', ');
  return names.length > 5 ? `${shown} and ${names.length - 5} more` : shown;
}
