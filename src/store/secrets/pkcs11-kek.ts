/**
 * A customer-managed KEK: an AES-256 key generated in a PKCS#11 token (an HSM; SoftHSM2 in tests),
 * marked sensitive and not extractable, so it never leaves the token. Data keys are wrapped by
 * AES-GCM encryption inside the token (SoftHSM2 has CKM_AES_GCM for C_Encrypt, not
 * CKM_AES_KEY_WRAP_PAD), with a fresh 12-byte IV and the key's URI as authenticated data.
 * The wrapped form is base64url(iv | ciphertext | tag). The module path and the user PIN are
 * server settings; the token and key come from a PKCS#11 URI (pkcs11-uri.ts).
 */
import { randomBytes } from 'node:crypto';
import type * as Pkcs11Types from 'pkcs11js';
import { TrellisError } from '../../core/errors.js';
import type { KeyEncryptionKey, KeyEncryptionKeyProvider } from './key-encryption-key.js';
import { formatPkcs11Uri, isPkcs11Uri, type Pkcs11KeyName, parsePkcs11Uri } from './pkcs11-uri.js';

type Pkcs11Library = typeof Pkcs11Types;
type Handle = Buffer;

const IV_BYTES = 12;
const TAG_BITS = 128;

export interface Pkcs11Settings {
  /** Path of the PKCS#11 module (e.g. /usr/lib/softhsm/libsofthsm2.so). */
  module: string;
  /** The token's user PIN. */
  pin: string;
}

/** KEKs in the tokens of one PKCS#11 module. */
export class Pkcs11KekProvider implements KeyEncryptionKeyProvider {
  private library: Pkcs11Library | undefined;
  private module: Pkcs11Types.PKCS11 | undefined;
  private readonly sessions = new Map<string, Handle>();

  constructor(private readonly settings: Pkcs11Settings) {}

  owns(id: string): boolean {
    return isPkcs11Uri(id);
  }

  async byId(id: string): Promise<KeyEncryptionKey> {
    const name = parsePkcs11Uri(id);
    const { library, module, session } = await this.session(name.token);
    const handle = this.find(session, library, name.object);
    if (!handle) {
      throw new TrellisError(
        'KeyNotFound',
        400,
        `the PKCS#11 token '${name.token}' has no key labelled '${name.object}'; create an AES-256 key with that label in the token, or name one it has`,
      );
    }
    return tokenKek(formatPkcs11Uri(name), module, library, session, handle);
  }

  /** With `label`: that existing key of the same token. Without: a new key, labelled `<label>-v<n+1>`. */
  async rotate(id: string, options: { label?: string | undefined } = {}): Promise<KeyEncryptionKey> {
    const name = parsePkcs11Uri(id);
    if (options.label !== undefined) return this.byId(formatPkcs11Uri({ token: name.token, object: options.label }));
    const { library, session } = await this.session(name.token);
    let label = nextLabel(name.object);
    while (this.find(session, library, label)) label = nextLabel(label);
    await this.createKey({ token: name.token, object: label });
    return this.byId(formatPkcs11Uri({ token: name.token, object: label }));
  }

  /**
   * Generates an AES-256 key labelled `name.object` in the token, sensitive and not extractable, for
   * wrapping only (encrypt/decrypt); a 409 when the token already has a key of that label.
   */
  async createKey(name: Pkcs11KeyName): Promise<string> {
    const { library: p, module, session } = await this.session(name.token);
    if (this.find(session, p, name.object)) {
      throw new TrellisError('KeyExists', 409, `the PKCS#11 token '${name.token}' already has a key labelled '${name.object}'`);
    }
    module.C_GenerateKey(session, { mechanism: p.CKM_AES_KEY_GEN }, [
      { type: p.CKA_CLASS, value: p.CKO_SECRET_KEY },
      { type: p.CKA_KEY_TYPE, value: p.CKK_AES },
      { type: p.CKA_VALUE_LEN, value: 32 },
      { type: p.CKA_LABEL, value: name.object },
      { type: p.CKA_TOKEN, value: true },
      { type: p.CKA_PRIVATE, value: true },
      { type: p.CKA_SENSITIVE, value: true },
      { type: p.CKA_EXTRACTABLE, value: false },
      { type: p.CKA_ENCRYPT, value: true },
      { type: p.CKA_DECRYPT, value: true },
    ]);
    return formatPkcs11Uri(name);
  }

  async close(): Promise<void> {
    const module = this.module;
    if (!module) return;
    for (const session of this.sessions.values()) {
      try {
        module.C_CloseSession(session);
      } catch {
        // Closing anyway: a session the token already dropped needs no closing.
      }
    }
    this.sessions.clear();
    releaseModule(this.settings.module);
    this.module = undefined;
  }

  private async session(token: string): Promise<{ library: Pkcs11Library; module: Pkcs11Types.PKCS11; session: Handle }> {
    if (!this.library || !this.module) {
      const loaded = await acquireModule(this.settings.module);
      this.library = loaded.library;
      this.module = loaded.module;
    }
    const library = this.library;
    const module = this.module;
    const open = this.sessions.get(token);
    if (open) return { library, module, session: open };
    const slot = module.C_GetSlotList(true).find((candidate) => module.C_GetTokenInfo(candidate).label.trimEnd() === token);
    if (!slot) {
      throw new TrellisError(
        'TokenNotFound',
        400,
        `the PKCS#11 module ${this.settings.module} has no token labelled '${token}'; list its tokens with: pkcs11-tool --module ${this.settings.module} --list-tokens`,
      );
    }
    const session = module.C_OpenSession(slot, library.CKF_RW_SESSION | library.CKF_SERIAL_SESSION);
    try {
      module.C_Login(session, library.CKU_USER, this.settings.pin);
    } catch (error) {
      // Another session of this process may have logged in already: login is per application, not per session.
      const isLoggedIn = error instanceof library.Pkcs11Error && error.code === library.CKR_USER_ALREADY_LOGGED_IN;
      if (!isLoggedIn) {
        module.C_CloseSession(session);
        const code = error instanceof library.Pkcs11Error ? error.message : 'an error';
        throw new TrellisError(
          'Pkcs11LoginFailed',
          500,
          `the PKCS#11 token '${token}' refused the user PIN (${code}); set the right PIN in TRELLIS_PKCS11_PIN`,
          { cause: error },
        );
      }
    }
    this.sessions.set(token, session);
    return { library, module, session };
  }

  private find(session: Handle, p: Pkcs11Library, label: string): Handle | undefined {
    const module = this.module;
    if (!module) return undefined;
    module.C_FindObjectsInit(session, [
      { type: p.CKA_CLASS, value: p.CKO_SECRET_KEY },
      { type: p.CKA_LABEL, value: label },
    ]);
    try {
      return module.C_FindObjects(session) ?? undefined;
    } finally {
      module.C_FindObjectsFinal(session);
    }
  }
}

function tokenKek(id: string, module: Pkcs11Types.PKCS11, p: Pkcs11Library, session: Handle, key: Handle): KeyEncryptionKey {
  const aad = Buffer.from(`trellis-kek/${id}`, 'utf8');
  const mechanism = (iv: Buffer) => ({
    mechanism: p.CKM_AES_GCM,
    parameter: { type: p.CK_PARAMS_GCM, iv, ivBits: IV_BYTES * 8, aad, tagBits: TAG_BITS },
  });
  return {
    id,
    async wrap(dataKey) {
      const iv = randomBytes(IV_BYTES);
      module.C_EncryptInit(session, mechanism(iv), key);
      const sealed = module.C_Encrypt(session, Buffer.from(dataKey), Buffer.alloc(dataKey.length + TAG_BITS / 8 + 16));
      return Buffer.concat([iv, sealed]).toString('base64url');
    },
    async unwrap(wrapped) {
      const bytes = Buffer.from(wrapped, 'base64url');
      if (bytes.length <= IV_BYTES + TAG_BITS / 8)
        throw new TrellisError('KeyUnwrapFailed', 500, `a data key wrapped with ${id} is truncated`);
      try {
        module.C_DecryptInit(session, mechanism(bytes.subarray(0, IV_BYTES)), key);
        return Buffer.from(module.C_Decrypt(session, bytes.subarray(IV_BYTES), Buffer.alloc(bytes.length)));
      } catch (error) {
        throw new TrellisError(
          'KeyUnwrapFailed',
          500,
          `a data key does not unwrap with ${id}: the key in the token or the database row was changed`,
          {
            cause: error,
          },
        );
      }
    },
  };
}

/** `kek` -> `kek-v2`, `kek-v2` -> `kek-v3`. */
export function nextLabel(label: string): string {
  const match = /^(.*)-v(\d+)$/.exec(label);
  return match ? `${match[1]}-v${Number(match[2]) + 1}` : `${label}-v2`;
}

// C_Initialize and C_Finalize act on the whole process, so one loaded module is shared by every
// provider (two stores in one test process) and finalized when the last one lets go.
const loadedModules = new Map<string, { library: Pkcs11Library; module: Pkcs11Types.PKCS11; users: number }>();

async function acquireModule(path: string): Promise<{ library: Pkcs11Library; module: Pkcs11Types.PKCS11 }> {
  const loaded = loadedModules.get(path);
  if (loaded) {
    loaded.users += 1;
    return loaded;
  }
  let library: Pkcs11Library;
  try {
    // Loaded on first use: a server without a customer-managed key never needs the native addon.
    library = (await import('pkcs11js')).default;
  } catch (error) {
    throw new TrellisError('Pkcs11Unavailable', 500, 'the pkcs11js addon does not load; reinstall Trellis with its native addons built', {
      cause: error,
    });
  }
  const module = new library.PKCS11();
  try {
    module.load(path);
    module.C_Initialize();
  } catch (error) {
    if (!(error instanceof library.Pkcs11Error && error.code === library.CKR_CRYPTOKI_ALREADY_INITIALIZED)) {
      throw new TrellisError('Pkcs11Unavailable', 500, `the PKCS#11 module ${path} does not load; check TRELLIS_PKCS11_MODULE`, {
        cause: error,
      });
    }
  }
  const entry = { library, module, users: 1 };
  loadedModules.set(path, entry);
  return entry;
}

function releaseModule(path: string): void {
  const loaded = loadedModules.get(path);
  if (!loaded) return;
  loaded.users -= 1;
  if (loaded.users > 0) return;
  loadedModules.delete(path);
  try {
    loaded.module.C_Finalize();
  } catch {
    // Finalizing a module that is already finalized changes nothing.
  }
}

/**
 * The PKCS#11 settings in the environment: TRELLIS_PKCS11_MODULE (the module's path) and
 * TRELLIS_PKCS11_PIN (the user PIN); undefined when no module is set.
 */
export function pkcs11SettingsFromEnv(env: NodeJS.ProcessEnv): Pkcs11Settings | undefined {
  const module = env.TRELLIS_PKCS11_MODULE?.trim();
  if (!module) return undefined;
  return { module, pin: env.TRELLIS_PKCS11_PIN ?? '' };
}
