/**
 * Sealing one secret with a workspace's data key: AES-256-GCM (node:crypto), a fresh 12-byte
 * nonce each time, and additional authenticated data naming the workspace, the data key and what
 * the secret is, so a sealed value copied to another row or another workspace does not open.
 * The sealed form describes itself: `enc:v1:<data-key-id>:<base64url(nonce | ciphertext | tag)>`.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { TrellisError } from '../../core/errors.js';

/** Bytes in a data key (AES-256). */
export const DATA_KEY_BYTES = 32;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const PREFIX = 'enc:v1:';

/** Where a sealed secret belongs: the workspace and what it is (e.g. `endpoint-secrets/<endpoint>/primary`). */
export interface SecretContext {
  workspace: string;
  purpose: string;
}

/** A fresh random data key. */
export function generateDataKey(): Buffer {
  return randomBytes(DATA_KEY_BYTES);
}

/** Whether `value` is in the sealed form (else it is a value stored before encryption at rest). */
export function isSealed(value: string): boolean {
  return value.startsWith(PREFIX);
}

/** The id of the data key that sealed `sealed`, or undefined when it is not in the sealed form. */
export function sealedDataKeyId(sealed: string): string | undefined {
  return parseSealed(sealed)?.dataKeyId;
}

/** Seals `plaintext` with `dataKey` (whose id is `dataKeyId`) for `context`; returns the sealed string. */
export function sealSecret(options: { dataKey: Uint8Array; dataKeyId: string; context: SecretContext; plaintext: string }): string {
  checkKey(options.dataKey);
  if (!/^[A-Za-z0-9_-]+$/.test(options.dataKeyId)) throw new RangeError('a data key id is letters, digits, - and _ only');
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv('aes-256-gcm', options.dataKey, nonce, { authTagLength: TAG_BYTES });
  cipher.setAAD(additionalData(options.dataKeyId, options.context));
  const ciphertext = Buffer.concat([cipher.update(options.plaintext, 'utf8'), cipher.final()]);
  const payload = Buffer.concat([nonce, ciphertext, cipher.getAuthTag()]);
  return `${PREFIX}${options.dataKeyId}:${payload.toString('base64url')}`;
}

/**
 * Opens `sealed` with `dataKey` for `context`. Throws SecretUnreadable (500) when it is malformed,
 * was sealed for another context, or was altered; the message never carries the value.
 */
export function openSecret(options: { dataKey: Uint8Array; context: SecretContext; sealed: string }): string {
  checkKey(options.dataKey);
  const parsed = parseSealed(options.sealed);
  const where = `${options.context.purpose} in workspace '${options.context.workspace}'`;
  if (!parsed) throw new TrellisError('SecretUnreadable', 500, `the stored secret ${where} is not in the sealed form enc:v1:<key>:<data>`);
  const { dataKeyId, payload } = parsed;
  if (payload.length < NONCE_BYTES + TAG_BYTES) throw new TrellisError('SecretUnreadable', 500, `the stored secret ${where} is truncated`);
  const nonce = payload.subarray(0, NONCE_BYTES);
  const tag = payload.subarray(payload.length - TAG_BYTES);
  const ciphertext = payload.subarray(NONCE_BYTES, payload.length - TAG_BYTES);
  const decipher = createDecipheriv('aes-256-gcm', options.dataKey, nonce, { authTagLength: TAG_BYTES });
  decipher.setAAD(additionalData(dataKeyId, options.context));
  decipher.setAuthTag(tag);
  try {
    return Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString('utf8');
  } catch (error) {
    throw new TrellisError(
      'SecretUnreadable',
      500,
      `the stored secret ${where} does not open with data key '${dataKeyId}': it was altered, or sealed for another place`,
      { cause: error },
    );
  }
}

function parseSealed(sealed: string): { dataKeyId: string; payload: Buffer } | undefined {
  if (!sealed.startsWith(PREFIX)) return undefined;
  const rest = sealed.slice(PREFIX.length);
  const colon = rest.indexOf(':');
  if (colon <= 0) return undefined;
  const encoded = rest.slice(colon + 1);
  if (!/^[A-Za-z0-9_-]*$/.test(encoded)) return undefined;
  return { dataKeyId: rest.slice(0, colon), payload: Buffer.from(encoded, 'base64url') };
}

// Length-prefixed fields, so no choice of names makes two different contexts the same bytes.
function additionalData(dataKeyId: string, context: SecretContext): Buffer {
  const fields = ['trellis-secret/v1', context.workspace, dataKeyId, context.purpose].map((field) => Buffer.from(field, 'utf8'));
  return Buffer.concat(
    fields.flatMap((field) => {
      const length = Buffer.alloc(4);
      length.writeUInt32BE(field.length);
      return [length, field];
    }),
  );
}

function checkKey(dataKey: Uint8Array): void {
  if (dataKey.length !== DATA_KEY_BYTES) throw new RangeError(`a data key is ${DATA_KEY_BYTES} bytes, not ${dataKey.length}`);
}
