import { Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  BucketLocationConstraint,
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
  UploadPartCopyCommand,
} from '@aws-sdk/client-s3';
import { artifactTooLarge, objectStoreFailed } from '../artifact-errors.js';
import type { BucketPage, GetResult, ListPageOptions, ObjectBucket, ObjectHead } from '../object-store/object-bucket.js';
import { mapConcurrently } from '../object-store/upload-parts.js';
import { s3Failure, s3Request } from './s3-errors.js';

export interface S3BucketOptions {
  bucket: string;
  region: string;
  /** An S3-compatible service's URL (MinIO, Ceph, moto); none: AWS's own endpoint for the region. */
  endpoint?: string | undefined;
  /** Name the bucket in the path (`<endpoint>/<bucket>/<key>`) rather than the host: what most S3-compatible services want. */
  forcePathStyle?: boolean | undefined;
  /** Access keys; none: the AWS SDK's default chain (AWS_ACCESS_KEY_ID…, ~/.aws, an instance or pod role). */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string | undefined } | undefined;
  /** Bytes per part of a multipart upload (default 8 MiB: objects up to 78 GiB in S3's 10,000 parts; at least 5 MiB). */
  partSize?: number;
  /** Parts sent at once per upload (default 3). */
  concurrency?: number;
}

/** S3's most parts in one multipart upload. */
const MAX_PARTS = 10_000;
/** S3's largest part of a copy. */
const MAX_COPY_PART_BYTES = 5 * 1024 * 1024 * 1024;

/**
 * An S3 bucket (AWS, or a service that speaks its API) as an ObjectBucket, through @aws-sdk/client-s3.
 * Uploads of more than one part are multipart uploads, which S3 shows only once completed and which
 * are aborted when they fail; content is written with If-None-Match: *, S3's conditional write, and
 * copied to its address part by part on the service (UploadPartCopy), so any size works.
 */
export class S3Bucket implements ObjectBucket {
  readonly description: string;
  readonly partSize: number;
  readonly resumesFromCursor = false;
  readonly #client: S3Client;
  readonly #bucket: string;
  readonly #region: string;
  readonly #concurrency: number;

  constructor(options: S3BucketOptions) {
    this.#bucket = options.bucket;
    this.#region = options.region;
    this.#client = new S3Client({
      region: options.region,
      ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }),
      forcePathStyle: options.forcePathStyle ?? false,
      ...(options.credentials === undefined ? {} : { credentials: options.credentials }),
      maxAttempts: 4,
      // An unreachable endpoint fails a request within seconds instead of waiting on the operating system.
      requestHandler: { connectionTimeout: 10_000 },
    });
    const endpoint = options.endpoint === undefined ? `https://s3.${options.region}.amazonaws.com` : withoutSecrets(options.endpoint);
    this.description = `S3 bucket '${options.bucket}' at ${endpoint}`;
    this.partSize = options.partSize ?? 8 * 1024 * 1024;
    this.#concurrency = options.concurrency ?? 3;
  }

  /** The SDK's client and the bucket's name, for tests that look at what is stored. */
  get client(): { s3: S3Client; bucket: string } {
    return { s3: this.#client, bucket: this.#bucket };
  }

  async ensureReady(): Promise<void> {
    await this.#request('checking it at start', async () => {
      const abortSignal = AbortSignal.timeout(60_000);
      try {
        await this.#client.send(new HeadBucketCommand({ Bucket: this.#bucket }), { abortSignal });
      } catch (error) {
        if (s3Failure(error).status !== 404) throw error;
        await this.#client.send(
          new CreateBucketCommand({
            Bucket: this.#bucket,
            // us-east-1 (and a region S3 does not know, on another service) takes no location constraint.
            ...(isLocationConstraint(this.#region) ? { CreateBucketConfiguration: { LocationConstraint: this.#region } } : {}),
          }),
          { abortSignal },
        );
      }
    });
  }

  async putObject(key: string, bytes: Buffer, options: { ifAbsent: boolean }): Promise<boolean> {
    return this.#request('writing an object', async () => {
      try {
        await this.#client.send(
          new PutObjectCommand({ Bucket: this.#bucket, Key: key, Body: bytes, ...(options.ifAbsent ? { IfNoneMatch: '*' } : {}) }),
        );
        return true;
      } catch (error) {
        if (options.ifAbsent && (await this.#isAlreadyThere(error, key))) return false;
        throw error;
      }
    });
  }

  async putParts(key: string, parts: AsyncIterable<Buffer>): Promise<void> {
    const { UploadId } = await this.#request('starting a multipart upload', () =>
      this.#client.send(new CreateMultipartUploadCommand({ Bucket: this.#bucket, Key: key, ChecksumAlgorithm: 'CRC32' })),
    );
    try {
      const sent = await mapConcurrently(parts, this.#concurrency, async (part, index) => {
        if (index >= MAX_PARTS) throw artifactTooLarge(MAX_PARTS * this.partSize);
        const PartNumber = index + 1;
        const { ETag, ChecksumCRC32 } = await this.#request('uploading a part', () =>
          this.#client.send(
            new UploadPartCommand({ Bucket: this.#bucket, Key: key, UploadId, PartNumber, Body: part, ChecksumAlgorithm: 'CRC32' }),
          ),
        );
        return { PartNumber, ETag, ChecksumCRC32 };
      });
      await this.#request('completing a multipart upload', () =>
        this.#client.send(
          new CompleteMultipartUploadCommand({ Bucket: this.#bucket, Key: key, UploadId, MultipartUpload: { Parts: sent } }),
        ),
      );
    } catch (error) {
      await this.#abort(key, UploadId);
      throw error;
    }
  }

  async discardParts(): Promise<void> {
    // putParts aborts its upload when it fails: nothing is left to discard.
  }

  async copyObject(from: string, to: string, options: { size: number; ifAbsent: boolean }): Promise<boolean> {
    return this.#request('copying an object', async () => {
      const { UploadId } = await this.#client.send(new CreateMultipartUploadCommand({ Bucket: this.#bucket, Key: to }));
      try {
        const count = Math.max(1, Math.ceil(options.size / MAX_COPY_PART_BYTES));
        const indexes = Array.from({ length: count }, (_, index) => index);
        const copied = await mapConcurrently(indexes, this.#concurrency, async (index) => {
          const start = index * MAX_COPY_PART_BYTES;
          const end = Math.min(options.size, start + MAX_COPY_PART_BYTES) - 1;
          const result = await this.#client.send(
            new UploadPartCopyCommand({
              Bucket: this.#bucket,
              Key: to,
              UploadId,
              PartNumber: index + 1,
              CopySource: `${this.#bucket}/${encodeURIComponent(from)}`,
              ...(count > 1 ? { CopySourceRange: `bytes=${start}-${end}` } : {}),
            }),
          );
          return { PartNumber: index + 1, ETag: result.CopyPartResult?.ETag };
        });
        await this.#client.send(
          new CompleteMultipartUploadCommand({
            Bucket: this.#bucket,
            Key: to,
            UploadId,
            MultipartUpload: { Parts: copied },
            ...(options.ifAbsent ? { IfNoneMatch: '*' } : {}),
          }),
        );
        return true;
      } catch (error) {
        await this.#abort(to, UploadId);
        if (options.ifAbsent && (await this.#isAlreadyThere(error, to))) return false;
        throw error;
      }
    });
  }

  async head(key: string): Promise<ObjectHead | undefined> {
    return this.#request('reading an object', async () => {
      try {
        const head = await this.#client.send(new HeadObjectCommand({ Bucket: this.#bucket, Key: key }));
        return { size: head.ContentLength ?? 0, modifiedAt: head.LastModified ?? new Date(0) };
      } catch (error) {
        if (s3Failure(error).status === 404) return undefined;
        throw error;
      }
    });
  }

  async get(key: string, range?: { start: number; end?: number | undefined }): Promise<GetResult> {
    return this.#request('reading an object', async () => {
      try {
        const response = await this.#client.send(
          new GetObjectCommand({
            Bucket: this.#bucket,
            Key: key,
            ...(range === undefined ? {} : { Range: `bytes=${range.start}-${range.end ?? ''}` }),
          }),
        );
        if (response.Body === undefined) return { status: 'found', body: Readable.from([]) };
        if (!(response.Body instanceof Readable))
          throw objectStoreFailed(this.description, 'reading an object', 'the SDK gave no Node.js stream');
        return { status: 'found', body: response.Body };
      } catch (error) {
        const { status } = s3Failure(error);
        if (status === 404) return { status: 'missing' };
        if (status === 416) {
          const head = await this.head(key);
          return head === undefined ? { status: 'missing' } : { status: 'pastEnd', size: head.size };
        }
        throw error;
      }
    });
  }

  async delete(key: string): Promise<boolean> {
    // S3 answers a delete alike whether the object was there: ask first.
    if ((await this.head(key)) === undefined) return false;
    await this.#request('deleting an object', () => this.#client.send(new DeleteObjectCommand({ Bucket: this.#bucket, Key: key })));
    return true;
  }

  async deletePrefix(prefix: string): Promise<void> {
    for (;;) {
      const page = await this.listPage(prefix, { delimiter: false, maxResults: 1000 });
      if (page.objects.length === 0) break;
      const deleted = await this.#request('deleting objects', () =>
        this.#client.send(
          new DeleteObjectsCommand({
            Bucket: this.#bucket,
            Delete: { Objects: page.objects.map((object) => ({ Key: object.key })), Quiet: true },
          }),
        ),
      );
      const failed = deleted.Errors?.[0];
      if (failed)
        throw objectStoreFailed(
          this.description,
          'deleting objects',
          `${failed.Code ?? 'Error'} for '${failed.Key}': ${failed.Message ?? ''}`,
        );
    }
    // Uploads left unfinished there (a server killed mid-upload) go too.
    for (;;) {
      const uploads = await this.#request('listing unfinished uploads', () =>
        this.#client.send(new ListMultipartUploadsCommand({ Bucket: this.#bucket, Prefix: prefix })),
      );
      const unfinished = uploads.Uploads ?? [];
      if (unfinished.length === 0) return;
      for (const upload of unfinished) await this.#abort(upload.Key ?? '', upload.UploadId);
    }
  }

  async listPage(prefix: string, options: ListPageOptions): Promise<BucketPage> {
    const page = await this.#request('listing objects', () =>
      this.#client.send(
        new ListObjectsV2Command({
          Bucket: this.#bucket,
          Prefix: prefix,
          MaxKeys: options.maxResults,
          ...(options.delimiter ? { Delimiter: '/' } : {}),
          ...(options.startAfter === undefined ? {} : { StartAfter: options.startAfter }),
          ...(options.cursor === undefined ? {} : { ContinuationToken: options.cursor }),
        }),
      ),
    );
    return {
      objects: (page.Contents ?? []).map((object) => ({
        key: object.Key ?? '',
        size: object.Size ?? 0,
        modifiedAt: object.LastModified ?? new Date(0),
      })),
      prefixes: (page.CommonPrefixes ?? []).flatMap((folder) => (folder.Prefix === undefined ? [] : [folder.Prefix])),
      cursor: page.IsTruncated ? page.NextContinuationToken : undefined,
    };
  }

  /** Whether a conditional write failed because the object is there: 412, or 409 when S3 saw a concurrent one and it now exists. */
  async #isAlreadyThere(error: unknown, key: string): Promise<boolean> {
    const { status } = s3Failure(error);
    if (status === 412) return true;
    return status === 409 && (await this.head(key)) !== undefined;
  }

  async #abort(key: string, uploadId: string | undefined): Promise<void> {
    try {
      await this.#client.send(new AbortMultipartUploadCommand({ Bucket: this.#bucket, Key: key, UploadId: uploadId }));
    } catch {
      // The failure being reported is the one that matters; an unfinished upload is never listed, and a lifecycle rule removes it.
    }
  }

  #request<T>(doing: string, request: () => Promise<T>): Promise<T> {
    return s3Request(this.description, doing, request);
  }
}

const locationConstraints: ReadonlySet<string> = new Set(Object.values(BucketLocationConstraint));

function isLocationConstraint(region: string): region is BucketLocationConstraint {
  return region !== 'us-east-1' && locationConstraints.has(region);
}

/** An endpoint URL without user information or query, so no credential reaches a message. */
function withoutSecrets(endpoint: string): string {
  const url = URL.parse(endpoint);
  if (url === null) return endpoint;
  url.username = '';
  url.password = '';
  url.search = '';
  return url.toString().replace(/\/+$/, '');
}
