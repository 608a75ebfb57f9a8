import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { listAll } from '../../artifacts/list-all.js';
import { isTrellisError } from '../../core/errors.js';
import { mlflowError } from '../../core/tracking/mlflow-error.js';
import type { Context } from '../context.js';
import { requireWorkspace } from '../resource-service.js';
import { storeKey } from './mlflow-artifacts.js';

/**
 * Multipart uploads through the artifact proxy (`mlflow-artifacts/mpu/create|complete|abort`),
 * which MLflow clients use for big files when MLFLOW_ENABLE_PROXY_MULTIPART_UPLOAD is true.
 * MLflow hands out one presigned URL per part and the client PUTs each part there with plain
 * HTTP; a local store has no presigned URLs, so the part URLs point back at this server
 * (`mpu/parts/<upload id>/<part>`, the unguessable upload id standing in for the signature).
 * Parts are stored under `mlflow-artifact-uploads/<upload id>/`, outside the proxy's root so no
 * listing shows them, and are joined into the artifact, in part order, on complete.
 *
 * Streaming one PUT straight into the store writes every byte once where this writes it twice,
 * which is why the server does not advertise multipart uploads; it is for clients that turn it
 * on, e.g. behind a reverse proxy that caps request sizes. Abandoned uploads stay until aborted.
 */
const uploadsRoot = 'mlflow-artifact-uploads';

/** S3's limit on parts, which MLflow's client assumes too. */
const maxParts = 10_000;

interface UploadRecord {
  /** The artifact path the parts become, relative to the proxy's root. */
  path: string;
  numParts: number;
}

/** A part as the client lists it on complete: its number and the ETag its PUT answered. */
export interface CompletedPart {
  partNumber: number;
  etag?: string;
}

/**
 * Starts an upload of `localFile`'s name into `folder` (the client sends the folder in the URL
 * and its local file path in the body, as to S3). Returns the upload id and the artifact path.
 */
export async function createMultipartUpload(
  context: Context,
  workspace: string,
  folder: string,
  localFile: string,
  numParts: number,
): Promise<{ uploadId: string; path: string }> {
  const path = targetPath(folder, localFile);
  if (!Number.isSafeInteger(numParts) || numParts < 1 || numParts > maxParts) {
    throw mlflowError('INVALID_PARAMETER_VALUE', `num_parts must be between 1 and ${maxParts}, got ${numParts}.`);
  }
  await requireWorkspace(context, workspace);
  const uploadId = randomBytes(16).toString('hex');
  const record: UploadRecord = { path, numParts };
  await context.artifactsFor(workspace).put(recordKey(uploadId), Readable.from([JSON.stringify(record)]));
  return { uploadId, path };
}

/** Stores one part, replacing an earlier try of it; returns its ETag (the part's sha256, quoted). */
export async function uploadPart(
  context: Context,
  workspace: string,
  uploadId: string,
  partNumber: number,
  body: Readable,
  maxBytes: number,
): Promise<string> {
  const record = await readRecord(context, workspace, uploadId);
  if (!Number.isSafeInteger(partNumber) || partNumber < 1 || partNumber > record.numParts) {
    throw mlflowError(
      'INVALID_PARAMETER_VALUE',
      `Part number ${partNumber} is not one of the ${record.numParts} parts of upload '${uploadId}'.`,
    );
  }
  const { digest } = await context.artifactsFor(workspace).put(partKey(uploadId, partNumber), body, { maxBytes });
  return `"${digest}"`;
}

/**
 * Joins the listed parts, in order, into the artifact (atomically: a part that is missing or
 * whose bytes no longer match its ETag leaves nothing stored), then forgets the upload.
 */
export async function completeMultipartUpload(
  context: Context,
  workspace: string,
  folder: string,
  localFile: string,
  uploadId: string,
  parts: CompletedPart[],
  maxBytes: number,
): Promise<void> {
  const record = await readRecord(context, workspace, uploadId);
  const path = targetPath(folder, localFile);
  if (path !== record.path) throw mlflowError('INVALID_PARAMETER_VALUE', `Upload '${uploadId}' is for '${record.path}', not '${path}'.`);
  if (parts.length === 0) throw mlflowError('INVALID_PARAMETER_VALUE', 'A multipart upload is completed with at least one part.');
  parts.forEach((part, index) => {
    if (index > 0 && part.partNumber <= parts[index - 1]!.partNumber) {
      throw mlflowError('INVALID_PARAMETER_VALUE', 'List the parts of a multipart upload once each, in ascending part_number order.');
    }
  });
  const artifacts = context.artifactsFor(workspace);
  for (const part of parts) {
    if (!(await artifacts.stat(partKey(uploadId, part.partNumber)))) {
      throw mlflowError('INVALID_PARAMETER_VALUE', `Part ${part.partNumber} of upload '${uploadId}' was not uploaded.`);
    }
  }

  async function* joined(): AsyncGenerator<Buffer> {
    for (const part of parts) {
      const hash = createHash('sha256');
      for await (const chunk of await artifacts.open(partKey(uploadId, part.partNumber))) {
        hash.update(chunk as Buffer);
        yield chunk as Buffer;
      }
      const expected = part.etag?.replace(/^W\//, '').replace(/"/g, '');
      if (expected && expected !== `sha256:${hash.digest('hex')}`) {
        throw mlflowError(
          'INVALID_PARAMETER_VALUE',
          `Part ${part.partNumber} of upload '${uploadId}' does not match its ETag ${part.etag}; upload it again.`,
        );
      }
    }
  }
  await artifacts.put(storeKey(path), Readable.from(joined()), { maxBytes });
  await forgetUpload(context, workspace, uploadId);
}

/** Drops an upload and its parts; an upload that is gone already is no error. */
export async function abortMultipartUpload(context: Context, workspace: string, uploadId: string): Promise<void> {
  checkUploadId(uploadId);
  await requireWorkspace(context, workspace);
  await forgetUpload(context, workspace, uploadId);
}

/** MLflow stores the upload at `<folder>/<basename of the client's local file>`, as S3 does. */
function targetPath(folder: string, localFile: string): string {
  const name = localFile.split(/[\\/]/).pop() ?? '';
  if (name === '') throw mlflowError('INVALID_PARAMETER_VALUE', `The path '${localFile}' does not name a file.`);
  const path = folder === '' ? name : `${folder}/${name}`;
  storeKey(path);
  return path;
}

function checkUploadId(uploadId: string): void {
  // Ids are made here; anything else never reaches a store key.
  if (!/^[0-9a-f]{32}$/.test(uploadId)) throw noSuchUpload(uploadId);
}

async function readRecord(context: Context, workspace: string, uploadId: string): Promise<UploadRecord> {
  checkUploadId(uploadId);
  await requireWorkspace(context, workspace);
  let text = '';
  try {
    for await (const chunk of await context.artifactsFor(workspace).open(recordKey(uploadId))) text += (chunk as Buffer).toString();
  } catch (error) {
    if (isTrellisError(error) && error.code === 'ArtifactNotFound') throw noSuchUpload(uploadId);
    throw error;
  }
  return JSON.parse(text) as UploadRecord;
}

async function forgetUpload(context: Context, workspace: string, uploadId: string): Promise<void> {
  const artifacts = context.artifactsFor(workspace);
  const keys = (await listAll(artifacts, `${uploadsRoot}/${uploadId}`, { recursive: true }))
    .filter((item) => !item.isDirectory)
    .map((item) => item.path);
  // The record goes last, so an interrupted cleanup can be finished by aborting again.
  for (const key of keys.sort((a, b) => Number(a === recordKey(uploadId)) - Number(b === recordKey(uploadId)))) await artifacts.delete(key);
}

function recordKey(uploadId: string): string {
  return `${uploadsRoot}/${uploadId}/upload.json`;
}

function partKey(uploadId: string, partNumber: number): string {
  return `${uploadsRoot}/${uploadId}/parts/${partNumber}`;
}

function noSuchUpload(uploadId: string) {
  return mlflowError(
    'RESOURCE_DOES_NOT_EXIST',
    `No multipart upload '${uploadId}' in progress: it was completed, aborted or never created.`,
  );
}
