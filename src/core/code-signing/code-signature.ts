import { createPublicKey, type KeyObject, sign, verify } from 'node:crypto';
import { z } from 'zod';
import { canonicalJson, sha256Hex } from '../resources/digest.js';
import { keyFingerprint, parseSigningKey } from './signing-key.js';

/**
 * A code folder's signature: the file `.trellis-signature.json` at the folder's root, written by
 * `trellis code sign`. It lists every other file of the folder by path, sha256 and size (the
 * folder as Trellis uploads it), and signs, with ed25519, the digest of that list (the folder's
 * content digest without the signature file). Verifying it means: the list still matches the
 * folder, the digest matches the list, the key is one a policy allows, and the signature holds.
 * Pure: the files and the signature's text in, a verdict naming what is wrong out.
 */

export const signatureFileName = '.trellis-signature.json';
export const signatureFormat = 'trellis-code-signature/1';

export interface SignedFile {
  /** '/'-separated, relative to the folder. */
  path: string;
  /** `sha256:<hex>` of the bytes. */
  digest: string;
  size: number;
}

const signatureSchema = z.object({
  format: z.literal(signatureFormat),
  algorithm: z.literal('ed25519'),
  publicKey: z.string().min(1),
  fingerprint: z.string().min(1),
  digest: z.string().regex(/^sha256:[0-9a-f]{64}$/),
  files: z.array(z.object({ path: z.string().min(1), digest: z.string(), size: z.number().int().nonnegative() })),
  signedAt: z.string(),
  signature: z.string().min(1),
});

export type CodeSignature = z.infer<typeof signatureSchema>;

/** What a verification found: the signing key and the signed digest, or why the code is refused. */
export type SignatureVerdict =
  | { ok: true; fingerprint: string; digest: string }
  | { ok: false; reason: 'unsigned' | 'malformed' | 'changed' | 'keyNotAllowed' | 'badSignature'; problem: string };

/** The folder's files (the signature file left out), in the order Trellis's folder manifests use: by UTF-8 bytes. */
export function signedFiles(files: readonly SignedFile[]): SignedFile[] {
  return files
    .filter((file) => file.path !== signatureFileName)
    .map(({ path, digest, size }) => ({ path, digest, size }))
    .sort((a, b) => Buffer.compare(Buffer.from(a.path), Buffer.from(b.path)));
}

/** `sha256:` of the files' manifest, as Trellis names an uploaded folder of exactly those files. */
export function signedDigest(files: readonly SignedFile[]): string {
  return `sha256:${sha256Hex(canonicalJson({ files: signedFiles(files) }))}`;
}

/** What the key signs: the format and the digest, so a signature means nothing in another context. */
function statement(digest: string): Buffer {
  return Buffer.from(`${signatureFormat}\n${digest}\n`);
}

/** Signs a folder's files with an ed25519 private key: the signature file's content (JSON). */
export function signFiles(files: readonly SignedFile[], privateKey: KeyObject, signedAt: Date): CodeSignature {
  if (privateKey.asymmetricKeyType !== 'ed25519')
    throw new TypeError(
      `the key is ${privateKey.asymmetricKeyType ?? 'of an unknown type'}; trellis code sign takes an ed25519 private key`,
    );
  const publicKey = createPublicKey(privateKey);
  const list = signedFiles(files);
  const digest = signedDigest(list);
  return {
    format: signatureFormat,
    algorithm: 'ed25519',
    publicKey: publicKey.export({ format: 'pem', type: 'spki' }).toString(),
    fingerprint: keyFingerprint(publicKey),
    digest,
    files: list,
    signedAt: signedAt.toISOString(),
    signature: sign(null, statement(digest), privateKey).toString('base64'),
  };
}

/**
 * Verifies the signature file's text against the folder's files (the signature file among them
 * or not) and the allowed keys' fingerprints; `undefined` text means the folder has no signature.
 */
export function verifySignature(
  signatureText: string | undefined,
  files: readonly SignedFile[],
  allowedFingerprints: ReadonlySet<string>,
): SignatureVerdict {
  if (signatureText === undefined)
    return { ok: false, reason: 'unsigned', problem: `the code carries no signature (no ${signatureFileName} at its root)` };
  const parsed = readSignature(signatureText);
  if (!parsed.ok) return { ok: false, reason: 'malformed', problem: parsed.problem };
  const signature = parsed.signature;
  const key = parseSigningKey(signature.publicKey);
  if (!key.ok) return { ok: false, reason: 'malformed', problem: `its publicKey: ${key.problem}` };
  if (key.fingerprint !== signature.fingerprint)
    return {
      ok: false,
      reason: 'malformed',
      problem: `its fingerprint ${signature.fingerprint} is not that of its publicKey (${key.fingerprint})`,
    };
  const changes = differences(signature.files, signedFiles(files));
  if (changes.length > 0)
    return {
      ok: false,
      reason: 'changed',
      problem: `the code changed after it was signed: ${changes.slice(0, 5).join(', ')}${changes.length > 5 ? ` and ${changes.length - 5} more` : ''}`,
    };
  if (signedDigest(signature.files) !== signature.digest)
    return { ok: false, reason: 'malformed', problem: 'its digest is not the digest of the files it lists' };
  if (!allowedFingerprints.has(key.fingerprint))
    return {
      ok: false,
      reason: 'keyNotAllowed',
      problem: `it is signed by key ${key.fingerprint}, which is not an allowed signing key (allowed: ${[...allowedFingerprints].join(', ') || 'none'})`,
    };
  if (!verify(null, statement(signature.digest), key.key, Buffer.from(signature.signature, 'base64')))
    return { ok: false, reason: 'badSignature', problem: `its signature does not verify with key ${key.fingerprint}` };
  return { ok: true, fingerprint: key.fingerprint, digest: signature.digest };
}

/** Parses a signature file's text; the problem names the field. */
export function readSignature(text: string): { ok: true; signature: CodeSignature } | { ok: false; problem: string } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return { ok: false, problem: `${signatureFileName} is not JSON (${error instanceof Error ? error.message : String(error)})` };
  }
  const parsed = signatureSchema.safeParse(json);
  if (parsed.success) return { ok: true, signature: parsed.data };
  const issue = parsed.error.issues[0];
  return {
    ok: false,
    problem: `${signatureFileName}: ${issue?.path.map(String).join('.') || 'the file'}: ${issue?.message ?? 'is not a signature'}; sign the folder again with trellis code sign`,
  };
}

/** Files added, removed or changed between what was signed and what is there, by path. */
function differences(signed: readonly SignedFile[], present: readonly SignedFile[]): string[] {
  const before = new Map(signed.map((file) => [file.path, file.digest]));
  const after = new Map(present.map((file) => [file.path, file.digest]));
  const changes: string[] = [];
  for (const [path, digest] of after) {
    const was = before.get(path);
    if (was === undefined) changes.push(`'${path}' added`);
    else if (was !== digest) changes.push(`'${path}' modified`);
  }
  for (const path of before.keys()) if (!after.has(path)) changes.push(`'${path}' removed`);
  return changes.sort();
}
