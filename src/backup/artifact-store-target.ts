import { Readable } from 'node:stream';
import type { ArtifactStore } from '../artifacts/artifact-store.js';
import { backupIdAt, type BackupManifest, isBackupId, parseBackupManifest } from '../core/backup/backup-manifest.js';
import { isTrellisError, TrellisError } from '../core/errors.js';
import type { BackupTarget } from './backup-target.js';

/** Manifests are named objects in this folder of the store; objects are its content (blobs/sha256/...). */
const manifestFolder = 'backups';

/**
 * A backup target on any ArtifactStore: its content-addressed space is the object pool (the same
 * bytes stored once), its named objects hold the manifests. The store does the atomic writes.
 */
export class ArtifactStoreTarget implements BackupTarget {
  constructor(
    private readonly store: ArtifactStore,
    readonly location: string,
    private readonly checkWritable: () => Promise<void> = async () => undefined,
    readonly localFolder?: string,
  ) {}

  prepareForWriting(): Promise<void> {
    return this.checkWritable();
  }

  hasObject(sha256: string): Promise<{ size: number } | undefined> {
    return this.store.hasContent(`sha256:${sha256}`);
  }

  async putObject(source: Readable): Promise<{ sha256: string; size: number; isNew: boolean }> {
    const stored = await this.store.putContent(source);
    return { sha256: stored.digest.slice('sha256:'.length), size: stored.size, isNew: stored.isNew };
  }

  async openObject(sha256: string): Promise<Readable> {
    try {
      return await this.store.openContent(`sha256:${sha256}`);
    } catch (error) {
      if (isTrellisError(error) && error.status === 404)
        throw new TrellisError('BackupObjectMissing', 404, `object ${sha256} is missing from the backup at ${this.location}`);
      throw error;
    }
  }

  async writeManifest(manifest: BackupManifest): Promise<void> {
    await this.store.put(`${manifestFolder}/${manifest.id}.json`, Readable.from([Buffer.from(`${JSON.stringify(manifest, null, 1)}\n`)]));
  }

  async readManifest(id: string): Promise<BackupManifest> {
    if (!isBackupId(id))
      throw new TrellisError(
        'InvalidBackupId',
        400,
        `--backup '${id}' is not a backup id; list them with: trellis backup list --from ${this.location}`,
      );
    let stream: Readable;
    try {
      stream = await this.store.open(`${manifestFolder}/${id}.json`);
    } catch (error) {
      if (isTrellisError(error) && error.status === 404)
        throw new TrellisError(
          'BackupNotFound',
          404,
          `there is no backup '${id}' at ${this.location}; list them with: trellis backup list --from ${this.location}`,
        );
      throw error;
    }
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(Buffer.from(chunk));
    return parseBackupManifest(Buffer.concat(chunks).toString('utf8'), `the manifest of backup '${id}' at ${this.location}`);
  }

  async listBackups(): Promise<string[]> {
    const ids: string[] = [];
    let continuationToken: string | undefined;
    do {
      const page = await this.store.list(manifestFolder, continuationToken === undefined ? {} : { continuationToken });
      for (const item of page.items) {
        const name = item.path.slice(manifestFolder.length + 1);
        if (!item.isDirectory && name.endsWith('.json') && isBackupId(name.slice(0, -'.json'.length)))
          ids.push(name.slice(0, -'.json'.length));
      }
      continuationToken = page.continuationToken;
    } while (continuationToken !== undefined);
    return ids.sort();
  }
}

/** An id for a backup starting at `time` that no backup at the target has yet (two in the same millisecond get a suffix). */
export async function freshBackupId(target: BackupTarget, time: Date): Promise<string> {
  const taken = new Set(await target.listBackups());
  const base = backupIdAt(time);
  let id = base;
  for (let n = 2; taken.has(id); n += 1) id = `${base}-${n}`;
  return id;
}
