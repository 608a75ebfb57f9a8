import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { DigestingStream } from '../artifacts/content-digest.js';
import { isTrellisError } from '../core/errors.js';
import { type BackupManifest, objectsOf } from '../core/backup/backup-manifest.js';
import { inspectSnapshot } from '../store/snapshot/open-snapshots.js';
import type { BackupTarget } from './backup-target.js';
import { type ProgressListener, throttled } from './backup-progress.js';
import { inParallel } from './in-parallel.js';

/** One object that is not as the manifest says, with the files (or the metadata) that need it. */
export interface ObjectProblem {
  sha256: string;
  size: number;
  /** Data-directory paths that refer to it; 'metadata' for the database snapshot. */
  usedBy: string[];
  /** missing: not in the pool; corrupt: its bytes hash to something else, or their size differs. */
  problem: 'missing' | 'corrupt';
  found?: { sha256: string; size: number };
}

export interface VerifyReport {
  id: string;
  location: string;
  objects: number;
  bytes: number;
  missing: ObjectProblem[];
  corrupt: ObjectProblem[];
  /** Whether the metadata snapshot opens as a database (undefined when its object is missing or corrupt). */
  metadataOpens: boolean | undefined;
  metadataProblem?: string;
  isSound: boolean;
}

/**
 * Checks a backup without restoring it: every object its manifest names is in the pool with the
 * right size and sha256 (every byte is read), and the metadata snapshot opens as a database.
 */
export async function verifyBackup(options: {
  target: BackupTarget;
  manifest: BackupManifest;
  onProgress?: ProgressListener;
}): Promise<VerifyReport> {
  const { target, manifest } = options;
  const usedBy = new Map<string, string[]>([[manifest.metadata.object.sha256, ['metadata']]]);
  for (const file of [...manifest.files, ...(manifest.objectStore?.files ?? [])])
    usedBy.set(file.sha256, [...(usedBy.get(file.sha256) ?? []), file.path]);
  const objects = objectsOf(manifest);
  const totalBytes = objects.reduce((sum, object) => sum + object.size, 0);
  const progress = throttled(options.onProgress);
  const problems: ObjectProblem[] = [];
  let done = 0;
  let bytes = 0;
  await inParallel(objects, 4, async (object) => {
    const found = await hashObject(target, object.sha256);
    if (found === undefined) problems.push({ ...object, usedBy: usedBy.get(object.sha256) ?? [], problem: 'missing' });
    else if (found.sha256 !== object.sha256 || found.size !== object.size)
      problems.push({ ...object, usedBy: usedBy.get(object.sha256) ?? [], problem: 'corrupt', found });
    done += 1;
    bytes += object.size;
    progress({ step: 'objects', done, total: objects.length, bytes, totalBytes });
  });
  const byName = (a: ObjectProblem, b: ObjectProblem) => (a.usedBy[0] ?? '').localeCompare(b.usedBy[0] ?? '');
  const missing = problems.filter((problem) => problem.problem === 'missing').sort(byName);
  const corrupt = problems.filter((problem) => problem.problem === 'corrupt').sort(byName);
  const metadataSound = !problems.some((problem) => problem.sha256 === manifest.metadata.object.sha256);
  const opened = metadataSound ? await metadataOpens(target, manifest) : undefined;
  return {
    id: manifest.id,
    location: target.location,
    objects: objects.length,
    bytes: totalBytes,
    missing,
    corrupt,
    metadataOpens: opened?.opens,
    ...(opened?.problem !== undefined ? { metadataProblem: opened.problem } : {}),
    isSound: problems.length === 0 && opened?.opens === true,
  };
}

/** The sha256 and size of an object's bytes as stored; undefined when it is missing. */
async function hashObject(target: BackupTarget, sha256: string): Promise<{ sha256: string; size: number } | undefined> {
  let source: NodeJS.ReadableStream;
  try {
    source = await target.openObject(sha256);
  } catch (error) {
    if (isTrellisError(error) && error.code === 'BackupObjectMissing') return undefined;
    throw error;
  }
  const hasher = new DigestingStream();
  await pipeline(source, hasher, new Writable({ write: (_chunk, _encoding, callback) => callback() }));
  return { sha256: hasher.digest.slice('sha256:'.length), size: hasher.size };
}

/** Copies the snapshot out of the pool and opens it (SQLite: quick_check; PostgreSQL: pg_restore --list). */
async function metadataOpens(target: BackupTarget, manifest: BackupManifest): Promise<{ opens: boolean; problem?: string }> {
  const scratch = await mkdtemp(join(tmpdir(), 'trellis-verify-'));
  try {
    const file = join(scratch, 'metadata');
    await pipeline(await target.openObject(manifest.metadata.object.sha256), createWriteStream(file));
    await inspectSnapshot(manifest.metadata.format, file);
    return { opens: true };
  } catch (error) {
    if (isTrellisError(error) && (error.code === 'SnapshotUnreadable' || error.code === 'NotTrellisDatabase'))
      return { opens: false, problem: error.message };
    throw error;
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
