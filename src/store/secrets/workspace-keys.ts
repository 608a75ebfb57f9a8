/**
 * Envelope encryption per workspace: each workspace has a data key (AES-256) that seals its
 * secrets, stored only wrapped by a key-encryption key (table workspace_keys). The KEK is the
 * workspace's customer-managed key when its YAML says `customer_managed_key.key_uri:
 * pkcs11:token=...;object=...`, else Trellis's key file. Unwrapped data keys are cached in memory.
 * Rotating re-wraps data keys under a new KEK version; sealed secrets are not touched.
 */
import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import { TrellisError } from '../../core/errors.js';
import type { Database } from '../database.js';
import { generateDataKey, openSecret, sealedDataKeyId, sealSecret } from './data-key-cipher.js';
import type { FileKekProvider } from './file-kek.js';
import type { KeyEncryptionKey, KeyEncryptionKeyProvider } from './key-encryption-key.js';
import { isPkcs11Uri, parsePkcs11Uri, formatPkcs11Uri } from './pkcs11-uri.js';

/** Seals and opens the secrets of a workspace; `purpose` says what the secret is, e.g. `endpoint-secrets/web/primary`. */
export interface SecretSealer {
  seal(workspace: string, purpose: string, plaintext: string): Promise<string>;
  open(workspace: string, purpose: string, sealed: string): Promise<string>;
}

/** A workspace's data keys, to seal other things than secrets with (its artifacts). */
export interface WorkspaceDataKeys {
  currentKey(): Promise<{ id: string; key: Buffer }>;
  keyById(id: string): Promise<Buffer | undefined>;
}

/** One data key re-wrapped by a rotation. */
export interface RewrappedKey {
  workspace: string;
  dataKeyId: string;
  /** The KEK that wrapped it before, and the one that wraps it now. */
  fromKekId: string;
  toKekId: string;
}

interface DataKey {
  id: string;
  key: Buffer;
  /** Made by this process: written again (if missing) with each seal, in case its transaction rolled back. */
  row?: Database['workspace_keys'];
}

// Only the field Trellis reads; the rest of the workspace's YAML is checked where it is applied.
const workspaceKeySpec = z.looseObject({ customer_managed_key: z.looseObject({ key_uri: z.string().optional() }).optional() });

export class WorkspaceKeys {
  private readonly current = new Map<string, DataKey>();
  private readonly byId = new Map<string, Buffer>();
  /**
   * Keys being loaded or made, per database handle and workspace. Never shared across handles: a
   * transaction holds SQLite's one connection, so waiting inside it for a load started on the
   * store itself (which waits for that connection) would deadlock every request.
   */
  private readonly making = new WeakMap<Kysely<Database>, Map<string, Promise<DataKey>>>();

  constructor(
    private readonly options: {
      db: Kysely<Database>;
      files: FileKekProvider;
      /** Keys in PKCS#11 tokens; undefined when no PKCS#11 module is configured. */
      pkcs11?: KeyEncryptionKeyProvider | undefined;
      now?: () => number;
    },
  ) {}

  /** A sealer that reads and writes wrapped keys through `db` (the store, or one transaction of it). */
  sealerFor(db: Kysely<Database>): SecretSealer {
    return {
      seal: async (workspace, purpose, plaintext) => {
        const dataKey = await this.currentKey(db, workspace);
        if (dataKey.row)
          await db
            .insertInto('workspace_keys')
            .values(dataKey.row)
            .onConflict((c) => c.doNothing())
            .execute();
        return sealSecret({ dataKey: dataKey.key, dataKeyId: dataKey.id, context: { workspace, purpose }, plaintext });
      },
      open: async (workspace, purpose, sealed) => {
        const dataKeyId = sealedDataKeyId(sealed);
        const dataKey = dataKeyId === undefined ? undefined : await this.keyById(db, workspace, dataKeyId);
        if (!dataKey) {
          throw new TrellisError(
            'SecretUnreadable',
            500,
            `the stored secret ${purpose} in workspace '${workspace}' names a data key this workspace does not have`,
          );
        }
        return openSecret({ dataKey, context: { workspace, purpose }, sealed });
      },
    };
  }

  /**
   * The data keys of `workspace` for sealing its artifacts: the current one (made on first use) and
   * any older one by id. Shaped as the artifacts layer's ArtifactKeys; reads and writes through the store.
   */
  dataKeysFor(workspace: string): WorkspaceDataKeys {
    const { db } = this.options;
    return {
      currentKey: async () => {
        const dataKey = await this.currentKey(db, workspace);
        // Made inside a transaction that rolled back? Then it is written now, before anything is sealed with it.
        if (dataKey.row)
          await db
            .insertInto('workspace_keys')
            .values(dataKey.row)
            .onConflict((c) => c.doNothing())
            .execute();
        return { id: dataKey.id, key: dataKey.key };
      },
      keyById: (id) => this.keyById(db, workspace, id),
    };
  }

  /**
   * Re-wraps the data keys of `workspace` (or of every workspace) under a new KEK version: the next
   * key file, or a new key in the same PKCS#11 token (`label`: an existing key of that label there).
   * A workspace with no data key yet gets one, under the new version. Sealed secrets are unchanged.
   */
  async rotate(options: { workspace?: string | undefined; label?: string | undefined } = {}): Promise<RewrappedKey[]> {
    const { db } = this.options;
    if (options.workspace !== undefined) await this.currentKey(db, options.workspace);
    let query = db.selectFrom('workspace_keys').selectAll().orderBy('workspace').orderBy('created_at');
    if (options.workspace !== undefined) query = query.where('workspace', '=', options.workspace);
    const rows = await query.execute();
    const targets = new Map<string, Promise<KeyEncryptionKey>>();
    const targetFor = (kekId: string) => {
      // Every key file version rotates to the same new file; each PKCS#11 key to its own successor.
      const group = isPkcs11Uri(kekId) ? kekId : 'file';
      let target = targets.get(group);
      if (!target) {
        target = this.providerFor(kekId).rotate(kekId, { label: options.label });
        targets.set(group, target);
      }
      return target;
    };
    const rewrapped: RewrappedKey[] = [];
    for (const row of rows) {
      const target = await targetFor(row.kek_id);
      if (target.id === row.kek_id) continue;
      const key = await this.unwrap(row);
      const wrapped = await target.wrap(key);
      await db
        .updateTable('workspace_keys')
        .set({ kek_id: target.id, wrapped_key: wrapped, rewrapped_at: this.now() })
        .where('workspace', '=', row.workspace)
        .where('key_id', '=', row.key_id)
        .where('kek_id', '=', row.kek_id)
        .execute();
      rewrapped.push({ workspace: row.workspace, dataKeyId: row.key_id, fromKekId: row.kek_id, toKekId: target.id });
      const cached = this.current.get(row.workspace);
      if (cached?.row && cached.id === row.key_id) cached.row = { ...cached.row, kek_id: target.id, wrapped_key: wrapped };
    }
    return rewrapped;
  }

  /** Deletes the workspace's wrapped data keys and forgets their unwrapped copies; returns how many rows went. */
  async destroy(workspace: string): Promise<number> {
    const { db } = this.options;
    const rows = await db.deleteFrom('workspace_keys').where('workspace', '=', workspace).returning('key_id').execute();
    this.current.delete(workspace);
    for (const { key_id: id } of rows) {
      this.byId.get(id)?.fill(0);
      this.byId.delete(id);
    }
    return rows.length;
  }

  /** Forgets the unwrapped keys and lets go of the KEK providers. */
  async close(): Promise<void> {
    for (const key of this.byId.values()) key.fill(0);
    this.byId.clear();
    this.current.clear();
    await this.options.files.close();
    await this.options.pkcs11?.close();
  }

  private async currentKey(db: Kysely<Database>, workspace: string): Promise<DataKey> {
    const cached = this.current.get(workspace);
    if (cached) return cached;
    let inFlight = this.making.get(db);
    if (!inFlight) {
      inFlight = new Map();
      this.making.set(db, inFlight);
    }
    let making = inFlight.get(workspace);
    if (!making) {
      const forDb = inFlight;
      making = this.loadOrMake(db, workspace).finally(() => forDb.delete(workspace));
      inFlight.set(workspace, making);
    }
    const dataKey = await making;
    this.current.set(workspace, dataKey);
    return dataKey;
  }

  private async loadOrMake(db: Kysely<Database>, workspace: string): Promise<DataKey> {
    const newest = await db
      .selectFrom('workspace_keys')
      .selectAll()
      .where('workspace', '=', workspace)
      .orderBy('created_at', 'desc')
      .orderBy('key_id')
      .executeTakeFirst();
    if (newest) return { id: newest.key_id, key: await this.remember(newest) };
    const kek = await this.kekForNewKey(db, workspace);
    const key = generateDataKey();
    const row = {
      workspace,
      key_id: `dk-${randomBytes(9).toString('base64url')}`,
      kek_id: kek.id,
      wrapped_key: await kek.wrap(key),
      created_at: this.now(),
      rewrapped_at: null,
    };
    await db.insertInto('workspace_keys').values(row).execute();
    this.byId.set(row.key_id, key);
    return { id: row.key_id, key, row };
  }

  private async keyById(db: Kysely<Database>, workspace: string, dataKeyId: string): Promise<Buffer | undefined> {
    const cached = this.byId.get(dataKeyId);
    if (cached) return cached;
    const row = await db
      .selectFrom('workspace_keys')
      .selectAll()
      .where('workspace', '=', workspace)
      .where('key_id', '=', dataKeyId)
      .executeTakeFirst();
    return row && this.remember(row);
  }

  private async remember(row: Database['workspace_keys']): Promise<Buffer> {
    const cached = this.byId.get(row.key_id);
    if (cached) return cached;
    const key = await this.unwrap(row);
    this.byId.set(row.key_id, key);
    return key;
  }

  private async unwrap(row: Database['workspace_keys']): Promise<Buffer> {
    const kek = await this.providerFor(row.kek_id).byId(row.kek_id);
    return kek.unwrap(row.wrapped_key);
  }

  /** The workspace's customer-managed PKCS#11 key when its YAML names one, else the newest key file. */
  private async kekForNewKey(db: Kysely<Database>, workspace: string): Promise<KeyEncryptionKey> {
    const row = await db.selectFrom('workspaces').select('spec').where('name', '=', workspace).executeTakeFirst();
    const spec = row ? workspaceKeySpec.safeParse(JSON.parse(row.spec)) : undefined;
    const keyUri = spec?.success ? spec.data.customer_managed_key?.key_uri : undefined;
    if (keyUri !== undefined && isPkcs11Uri(keyUri)) {
      const id = formatPkcs11Uri(parsePkcs11Uri(keyUri));
      return this.providerFor(id).byId(id);
    }
    return this.options.files.current();
  }

  private providerFor(kekId: string): KeyEncryptionKeyProvider {
    if (this.options.files.owns(kekId)) return this.options.files;
    const pkcs11 = this.options.pkcs11;
    if (pkcs11?.owns(kekId)) return pkcs11;
    if (isPkcs11Uri(kekId)) {
      throw new TrellisError(
        'Pkcs11NotConfigured',
        400,
        `the key ${kekId} is in a PKCS#11 token, but no PKCS#11 module is configured; set TRELLIS_PKCS11_MODULE and TRELLIS_PKCS11_PIN`,
      );
    }
    throw new TrellisError('KeyNotFound', 400, `no key-encryption key provider knows '${kekId}'`);
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }
}
