import { z } from 'zod';
import { TrellisError } from '../errors.js';

/**
 * What one backup holds, written last (so a backup without its manifest never happened): the
 * metadata snapshot and every file of the data directory it keeps, each named by the sha256 of its
 * bytes in the object pool that several backups share. Objects are referred to, never owned: a
 * backup is its manifest.
 */

/** Whether a manifest's path stays inside the folder it is relative to: '/'-separated names, none empty, '.' or '..'. */
export function isInsidePath(path: string): boolean {
  return path !== '' && !path.includes('\\') && path.split('/').every((part) => part !== '' && part !== '.' && part !== '..');
}

const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, 'a sha256 in 64 lowercase hex digits');

/** One object of the pool, as a manifest refers to it. */
export const backupObjectSchema = z.object({ sha256: sha256Hex, size: z.number().int().nonnegative() }).strict();
export type BackupObject = z.infer<typeof backupObjectSchema>;

/** A file of the data directory: where it goes back to, its object, and what it looked like when copied. */
export const backupFileSchema = z
  .object({
    /** Relative to the data directory, '/'-separated; never leads out of it (a restore writes there). */
    path: z.string().refine(isInsidePath, 'a relative path inside the data directory, without empty, . or .. parts'),
    sha256: sha256Hex,
    size: z.number().int().nonnegative(),
    /** From stat when it was read: the next backup of the same source reuses the sha256 of a file that still matches. */
    modifiedAtMs: z.number(),
    changedAtMs: z.number(),
    inode: z.number(),
  })
  .strict();
export type BackupFile = z.infer<typeof backupFileSchema>;

/**
 * An artifact kept in an object store (not in the data directory): the path the same file has under a
 * data directory with the local store (`artifacts/workspaces/...`), its object, and its modification
 * time in the store, which the next backup compares.
 */
export const backupStoredFileSchema = z
  .object({
    path: z.string().refine((path) => isInsidePath(path) && path.startsWith('artifacts/workspaces/'), 'a path under artifacts/workspaces/'),
    sha256: sha256Hex,
    size: z.number().int().nonnegative(),
    modifiedAtMs: z.number(),
  })
  .strict();
export type BackupStoredFile = z.infer<typeof backupStoredFileSchema>;

export const metadataDialects = ['sqlite', 'postgres'] as const;
export type MetadataDialect = (typeof metadataDialects)[number];

export const backupManifestSchema = z
  .object({
    format: z.literal('trellis-backup'),
    formatVersion: z.literal(1),
    id: z.string().min(1),
    createdAt: z.string(),
    /** Seconds the backup took. */
    seconds: z.number().nonnegative(),
    trellisVersion: z.string(),
    source: z.object({ home: z.string(), host: z.string() }).strict(),
    metadata: z
      .object({
        dialect: z.enum(metadataDialects),
        /** sqlite: a SQLite database file; pg_dump-custom: pg_dump --format=custom. */
        format: z.enum(['sqlite', 'pg_dump-custom']),
        /** The last migration applied, e.g. '021-deployment-profiles', and how many. */
        migration: z.string(),
        migrationsApplied: z.number().int().nonnegative(),
        /** PostgreSQL's version (server_version) when it is a dump. */
        serverVersion: z.string().optional(),
        /** What the database looked like (sizes, times, SQLite's commit counter): the next backup finding the same reuses this snapshot. */
        fingerprint: z.string().optional(),
        object: backupObjectSchema,
      })
      .strict(),
    files: z.array(backupFileSchema),
    /** Artifacts copied out of the object store the data directory keeps them in (none when they are local files). */
    objectStore: z
      .object({ description: z.string(), files: z.array(backupStoredFileSchema) })
      .strict()
      .optional(),
    totals: z.object({ files: z.number().int().nonnegative(), bytes: z.number().int().nonnegative() }).strict(),
  })
  .strict();
export type BackupManifest = z.infer<typeof backupManifestSchema>;

/** Parses a manifest's JSON text; `where` names it in the error. */
export function parseBackupManifest(text: string, where: string): BackupManifest {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new TrellisError('BackupManifestInvalid', 400, `${where} is not JSON (${(error as Error).message}); the backup is damaged`);
  }
  const parsed = backupManifestSchema.safeParse(value);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`).join('; ');
    throw new TrellisError('BackupManifestInvalid', 400, `${where} is not a Trellis backup manifest: ${problems}`);
  }
  return parsed.data;
}

/** A backup's id from when it started: sortable, and safe as a file name ('2025-06-01T12-00-00-000Z'). */
export function backupIdAt(time: Date): string {
  return time.toISOString().replaceAll(':', '-').replaceAll('.', '-');
}

/** Whether `text` can be a backup id (what --backup takes): no path separators, nothing hidden. */
export function isBackupId(text: string): boolean {
  return /^[0-9A-Za-z][0-9A-Za-z_-]*$/.test(text);
}

/** Every object a manifest refers to, each once: the metadata snapshot first, then the files' (several files may share one). */
export function objectsOf(manifest: BackupManifest): BackupObject[] {
  const seen = new Map<string, BackupObject>([[manifest.metadata.object.sha256, manifest.metadata.object]]);
  for (const file of [...manifest.files, ...(manifest.objectStore?.files ?? [])])
    if (!seen.has(file.sha256)) seen.set(file.sha256, { sha256: file.sha256, size: file.size });
  return [...seen.values()];
}
