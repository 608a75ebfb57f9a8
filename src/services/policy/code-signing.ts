import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { text as readText } from 'node:stream/consumers';
import type { ArtifactStore } from '../../artifacts/artifact-store.js';
import { type SignatureVerdict, type SignedFile, signatureFileName, verifySignature } from '../../core/code-signing/code-signature.js';
import { TrellisError } from '../../core/errors.js';
import type { VerifiedCodeSignature } from '../../core/jobs/job.js';
import type { UploadedContent } from '../../core/resources/uploaded-content.js';
import { readFolderManifest } from '../jobs/materialize-content.js';

/** The largest signature file read: its list of files grows with the folder; a million files stay well under. */
const maxSignatureBytes = 256 * 1024 * 1024;

/**
 * Verifies the signature of a job's code as it was uploaded (the folder's manifest and its
 * `.trellis-signature.json`, read from the workspace's content store) against the allowed keys.
 */
export async function verifyUploadedCode(
  artifacts: ArtifactStore,
  code: UploadedContent | undefined,
  allowedFingerprints: ReadonlySet<string>,
): Promise<SignatureVerdict> {
  if (code === undefined)
    return {
      ok: false,
      reason: 'unsigned',
      problem: 'the job has no code folder to verify; put its script in a code folder, sign it and name it in code:',
    };
  if (code.type === 'file')
    return { ok: false, reason: 'unsigned', problem: `its code is the single file '${code.fileName}'; sign a folder that holds it` };
  const manifest = await readFolderManifest(artifacts, code.digest);
  const signatureEntry = manifest.files.find((file) => file.path === signatureFileName);
  if (signatureEntry !== undefined && signatureEntry.size > maxSignatureBytes)
    return { ok: false, reason: 'malformed', problem: `its ${signatureFileName} is larger than ${maxSignatureBytes} bytes` };
  const text = signatureEntry === undefined ? undefined : await readText(await artifacts.openContent(signatureEntry.digest));
  return verifySignature(text, manifest.files, allowedFingerprints);
}

/**
 * Verifies the code a job is about to run, as written to its working folder, against what was
 * verified when it was submitted: the same files, signed by the same key. Called right after the
 * code is written, before anything else writes into the folder. Throws
 * CodeSignatureInvalid (409), naming what changed, so the attempt fails before the command runs.
 */
export async function verifyCodeOnDisk(codeDir: string, expected: VerifiedCodeSignature): Promise<void> {
  const files = await filesUnder(codeDir);
  const signature = files.find((file) => file.path === signatureFileName);
  const text = signature === undefined ? undefined : await readFile(join(codeDir, signatureFileName), 'utf8');
  const verdict = verifySignature(text, files, new Set([expected.fingerprint]));
  const problem = !verdict.ok
    ? verdict.problem
    : verdict.digest !== expected.digest
      ? `it is signed code, but not the code verified at submit (${expected.digest}; now ${verdict.digest})`
      : undefined;
  if (problem !== undefined)
    throw new TrellisError(
      'CodeSignatureInvalid',
      409,
      `the job's code failed its signature check before running (${problem}); it was verified at submit with key ${expected.fingerprint} for ${expected.assignments.map((name) => `assignment '${name}'`).join(', ')}; submit the job again from the signed folder`,
    );
}

/** Every regular file under a folder, hashed, with '/'-separated paths; links and other entries count as files added. */
async function filesUnder(root: string): Promise<SignedFile[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  const files: SignedFile[] = [];
  for (const entry of entries) {
    const absolute = join(entry.parentPath, entry.name);
    const path = relative(root, absolute).split(sep).join('/');
    if (entry.isDirectory()) continue;
    if (!entry.isFile()) {
      files.push({ path, digest: 'sha256:not-a-regular-file', size: 0 });
      continue;
    }
    const { digest, size } = await hashFile(absolute);
    files.push({ path, digest, size });
  }
  return files;
}

async function hashFile(path: string): Promise<{ digest: string; size: number }> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of createReadStream(path)) {
    const bytes = Buffer.from(chunk as Buffer);
    hash.update(bytes);
    size += bytes.length;
  }
  return { digest: `sha256:${hash.digest('hex')}`, size };
}
