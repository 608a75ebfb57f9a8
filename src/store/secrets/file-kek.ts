/**
 * The default KEK: 32 random bytes in `<directory>/kek-<n>.key`, made by Trellis owner-only
 * (folder 0700, file 0600, opened with `wx` so an existing key is never overwritten). Version n
 * is the file's number; rotating writes kek-<n+1>.key and keeps the older files, so what they
 * wrapped still unwraps. Wrapping is AES-256-GCM with the KEK's id as authenticated data.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { chmod, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { TrellisError } from '../../core/errors.js';
import type { KeyEncryptionKey, KeyEncryptionKeyProvider } from './key-encryption-key.js';

const KEY_BYTES = 32;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const FILE_NAME = /^kek-(\d+)\.key$/;

/** KEKs kept as files in one owner-only folder. */
export class FileKekProvider implements KeyEncryptionKeyProvider {
  private readonly cache = new Map<number, KeyEncryptionKey>();

  constructor(private readonly directory: string) {}

  owns(id: string): boolean {
    return /^file:\d+$/.test(id);
  }

  /** The newest version, made (as kek-1.key) when the folder has none. */
  async current(): Promise<KeyEncryptionKey> {
    const versions = await this.versions();
    const newest = versions.at(-1);
    if (newest !== undefined) return this.version(newest);
    await this.create(1);
    return this.version(Math.max(...(await this.versions())));
  }

  async byId(id: string): Promise<KeyEncryptionKey> {
    if (!this.owns(id)) throw new TrellisError('KeyNotFound', 400, `'${id}' does not name a key file (file:<version>)`);
    return this.version(Number(id.slice('file:'.length)));
  }

  /** Writes the next version after the newest one there is; `id` only says the kind. */
  async rotate(_id: string, options: { label?: string | undefined } = {}): Promise<KeyEncryptionKey> {
    if (options.label !== undefined) {
      throw new TrellisError(
        'InvalidKeyLabel',
        400,
        `key files are numbered, not labelled; rotate without a label (got '${options.label}')`,
      );
    }
    const versions = await this.versions();
    const next = (versions.at(-1) ?? 0) + 1;
    await this.create(next);
    return this.version(next);
  }

  async close(): Promise<void> {
    this.cache.clear();
  }

  private async version(version: number): Promise<KeyEncryptionKey> {
    const cached = this.cache.get(version);
    if (cached) return cached;
    const file = join(this.directory, `kek-${version}.key`);
    const key = await readFile(file).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') {
        throw new TrellisError(
          'KeyNotFound',
          400,
          `the key file ${file} is missing; restore it from backup (secrets wrapped with version ${version} cannot be read without it)`,
        );
      }
      throw error;
    });
    if (key.length !== KEY_BYTES) {
      throw new TrellisError(
        'KeyFileInvalid',
        500,
        `the key file ${file} holds ${key.length} bytes, not ${KEY_BYTES}; restore it from backup`,
      );
    }
    const kek = fileKek(`file:${version}`, key);
    this.cache.set(version, kek);
    return kek;
  }

  private async versions(): Promise<number[]> {
    const names = await readdir(this.directory).catch((error: NodeJS.ErrnoException) => {
      // No folder yet: no versions; it is made with the first key.
      if (error.code === 'ENOENT') return [];
      throw error;
    });
    return names
      .map((name) => FILE_NAME.exec(name)?.[1])
      .filter((digits): digits is string => digits !== undefined)
      .map(Number)
      .sort((a, b) => a - b);
  }

  private async create(version: number): Promise<void> {
    await mkdir(this.directory, { recursive: true, mode: 0o700 });
    // mkdir leaves an existing folder's mode alone; the keys' folder is owner-only whoever made it.
    await chmod(this.directory, 0o700);
    try {
      await writeFile(join(this.directory, `kek-${version}.key`), randomBytes(KEY_BYTES), { flag: 'wx', mode: 0o600 });
    } catch (error) {
      // Another process made this version first: use theirs, never overwrite a key.
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
}

function fileKek(id: string, key: Buffer): KeyEncryptionKey {
  const aad = Buffer.from(`trellis-kek/${id}`, 'utf8');
  return {
    id,
    async wrap(dataKey) {
      const nonce = randomBytes(NONCE_BYTES);
      const cipher = createCipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_BYTES });
      cipher.setAAD(aad);
      const ciphertext = Buffer.concat([cipher.update(dataKey), cipher.final()]);
      return Buffer.concat([nonce, ciphertext, cipher.getAuthTag()]).toString('base64url');
    },
    async unwrap(wrapped) {
      const bytes = Buffer.from(wrapped, 'base64url');
      if (bytes.length < NONCE_BYTES + TAG_BYTES)
        throw new TrellisError('KeyUnwrapFailed', 500, `a data key wrapped with ${id} is truncated`);
      const decipher = createDecipheriv('aes-256-gcm', key, bytes.subarray(0, NONCE_BYTES), { authTagLength: TAG_BYTES });
      decipher.setAAD(aad);
      decipher.setAuthTag(bytes.subarray(bytes.length - TAG_BYTES));
      try {
        return Buffer.concat([decipher.update(bytes.subarray(NONCE_BYTES, bytes.length - TAG_BYTES)), decipher.final()]);
      } catch (error) {
        throw new TrellisError(
          'KeyUnwrapFailed',
          500,
          `a data key does not unwrap with ${id}: the key file or the database row was changed`,
          {
            cause: error,
          },
        );
      }
    },
  };
}
