import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { link, mkdir, readFile, unlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { TrellisError } from '../../core/errors.js';

/**
 * The credential a pod uses to download its attempt's prepared folder and to upload what the
 * attempt left (logs, outputs, checkpoints): a token in the two URLs, the pod's only credential.
 * It is an HMAC of the attempt's identity under a server secret kept in TRELLIS_HOME, so nothing
 * per attempt is stored, a restarted server checks the tokens of pods still running, and the
 * token never travels inside the bundle it protects. One attempt's token opens nothing else.
 */

export interface AttemptIdentity {
  workspace: string;
  jobName: string;
  attempt: number;
}

/** Where the secret lives under TRELLIS_HOME; deleting it revokes every token (running pods then fail their upload). */
export function attemptSecretPath(home: string): string {
  return join(home, 'secrets', 'attempt-transfer.key');
}

/** Reads the server's secret, making it (32 random bytes, readable by the owner only) the first time. */
export async function loadAttemptSecret(home: string): Promise<Buffer> {
  const path = attemptSecretPath(home);
  const read = async () => Buffer.from((await readFile(path, 'utf8')).trim(), 'base64url');
  try {
    return await read();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  // Written whole under another name, then linked into place: a reader never sees half a key,
  // and when two starts race, the first link wins and both read that key.
  const draft = `${path}.${process.pid}.${randomBytes(4).toString('hex')}`;
  await writeFile(draft, `${randomBytes(32).toString('base64url')}\n`, { mode: 0o600 });
  try {
    await link(draft, path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    await unlink(draft);
  }
  return read();
}

/** The token of one attempt. Pure. */
export function attemptToken(secret: Buffer, identity: AttemptIdentity): string {
  // Newline-separated: names cannot hold one, so two identities never sign the same text.
  return createHmac('sha256', secret)
    .update(`trellis-attempt-transfer\n${identity.workspace}\n${identity.jobName}\n${identity.attempt}`)
    .digest('base64url');
}

/** Throws a 403 TrellisError unless `token` is the attempt's; compares in constant time. */
export function checkAttemptToken(secret: Buffer, identity: AttemptIdentity, token: string | undefined): void {
  const expected = Buffer.from(attemptToken(secret, identity));
  const given = Buffer.from(token ?? '');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw new TrellisError(
      'AttemptTokenInvalid',
      403,
      `the token does not open attempt ${identity.attempt} of job '${identity.jobName}' in workspace '${identity.workspace}'; only the pod Trellis launched for that attempt holds it`,
    );
  }
}

/** The URL path of an attempt's bundle or results, below the server's public URL. */
export function attemptTransferPath(identity: AttemptIdentity, file: 'bundle.tar' | 'results.tar'): string {
  return `/api/v1/workspaces/${encodeURIComponent(identity.workspace)}/jobs/${encodeURIComponent(identity.jobName)}/attempts/${identity.attempt}/${file}`;
}

/** The two URLs a pod of the attempt is given, each with the attempt's token. Pure. */
export function attemptTransferUrls(
  publicUrl: string,
  secret: Buffer,
  identity: AttemptIdentity,
): { bundleUrl: string; resultsUrl: string } {
  const base = publicUrl.replace(/\/+$/, '');
  const query = `?token=${attemptToken(secret, identity)}`;
  return {
    bundleUrl: `${base}${attemptTransferPath(identity, 'bundle.tar')}${query}`,
    resultsUrl: `${base}${attemptTransferPath(identity, 'results.tar')}${query}`,
  };
}
