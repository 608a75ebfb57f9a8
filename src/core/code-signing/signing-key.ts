import { createHash, createPublicKey, type KeyObject } from 'node:crypto';

/**
 * The ed25519 keys that sign code: read from the text a person pastes into a policy parameter or
 * keeps in a file, and named by a fingerprint as OpenSSH prints it (`ssh-keygen -lf key.pub`
 * shows the same `SHA256:...`). Accepted: a PEM public key (`-----BEGIN PUBLIC KEY-----`, as
 * `trellis code keygen` or `openssl pkey -pubout` writes it), with its newlines written as the
 * literal `\n` and `\r` Azure's policy parameter asks for, or an OpenSSH line (`ssh-ed25519 AAAA...`).
 */

export type ParsedSigningKey = { ok: true; key: KeyObject; fingerprint: string } | { ok: false; problem: string };

const sshKeyType = 'ssh-ed25519';

/** Reads a public key; the problem says what was given and what is accepted. */
export function parseSigningKey(text: string): ParsedSigningKey {
  const trimmed = text.trim().replaceAll('\\r', '\r').replaceAll('\\n', '\n');
  if (trimmed === '') return { ok: false, problem: 'the key is empty' };
  if (/-----BEGIN PGP PUBLIC KEY BLOCK-----/.test(trimmed))
    return {
      ok: false,
      problem:
        'this is a PGP key; Trellis verifies ed25519 signatures: give the public key `trellis code keygen` wrote (PEM) or an `ssh-ed25519 AAAA...` line',
    };
  if (trimmed.startsWith(`${sshKeyType} `)) return fromSshLine(trimmed);
  if (trimmed.startsWith('-----BEGIN PUBLIC KEY-----')) {
    try {
      return checked(createPublicKey({ key: trimmed, format: 'pem' }));
    } catch (error) {
      return { ok: false, problem: `the PEM public key cannot be read (${error instanceof Error ? error.message : String(error)})` };
    }
  }
  if (/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(trimmed))
    return { ok: false, problem: 'this is a private key; give the public key (the .pub file `trellis code keygen` wrote)' };
  return {
    ok: false,
    problem: 'not a public key Trellis reads: give a PEM public key (-----BEGIN PUBLIC KEY-----) or an `ssh-ed25519 AAAA...` line',
  };
}

/** `SHA256:<base64, no padding>` of the key's OpenSSH wire form: what `ssh-keygen -lf` prints. */
export function keyFingerprint(key: KeyObject): string {
  const digest = createHash('sha256')
    .update(sshWireKey(rawPublicKey(key)))
    .digest('base64');
  return `SHA256:${digest.replace(/=+$/, '')}`;
}

/** The key as one OpenSSH line (`ssh-ed25519 AAAA... comment`), for a .pub file a person can also hand to ssh tools. */
export function sshPublicKeyLine(key: KeyObject, comment = ''): string {
  return `${sshKeyType} ${sshWireKey(rawPublicKey(key)).toString('base64')}${comment ? ` ${comment}` : ''}`;
}

function fromSshLine(line: string): ParsedSigningKey {
  const blob = Buffer.from(line.split(/\s+/)[1] ?? '', 'base64');
  const type = readSshString(blob, 0);
  const raw = type ? readSshString(blob, type.next) : undefined;
  if (type?.value.toString() !== sshKeyType || raw?.value.length !== 32 || raw.next !== blob.length)
    return { ok: false, problem: `the ${sshKeyType} line does not hold a 32-byte ed25519 key` };
  return checked(createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: raw.value.toString('base64url') }, format: 'jwk' }));
}

function checked(key: KeyObject): ParsedSigningKey {
  if (key.asymmetricKeyType !== 'ed25519')
    return { ok: false, problem: `the key is ${key.asymmetricKeyType ?? 'of an unknown type'}; Trellis verifies ed25519 signatures` };
  return { ok: true, key, fingerprint: keyFingerprint(key) };
}

function rawPublicKey(key: KeyObject): Buffer {
  const x = key.export({ format: 'jwk' }).x;
  if (typeof x !== 'string') throw new TypeError('not an ed25519 key');
  return Buffer.from(x, 'base64url');
}

function sshWireKey(raw: Buffer): Buffer {
  return Buffer.concat([sshString(Buffer.from(sshKeyType)), sshString(raw)]);
}

function sshString(value: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(value.length);
  return Buffer.concat([length, value]);
}

function readSshString(blob: Buffer, at: number): { value: Buffer; next: number } | undefined {
  if (at + 4 > blob.length) return undefined;
  const length = blob.readUInt32BE(at);
  if (at + 4 + length > blob.length) return undefined;
  return { value: blob.subarray(at + 4, at + 4 + length), next: at + 4 + length };
}
