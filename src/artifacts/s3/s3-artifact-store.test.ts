import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { GetBucketLocationCommand, ListMultipartUploadsCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { after, describe, it } from 'node:test';
import { motoCredentials, type RunningMoto, startMoto } from '../../../test/support/moto.js';
import { once } from '../../../test/support/once.js';
import { isTrellisError } from '../../core/errors.js';
import { describeObjectStore } from '../object-store/object-store.contract.js';
import { S3Bucket } from './s3-bucket.js';

/** One moto server for the file, one bucket in it; each test gets a space of its own under a fresh prefix. */
const moto = once(startMoto);
const bucketName = `trellis-${randomBytes(4).toString('hex')}`;
let started: RunningMoto | undefined;
after(async () => started?.stop());

async function bucket(): Promise<S3Bucket> {
  started = await moto();
  const made = new S3Bucket({
    bucket: bucketName,
    region: 'eu-west-1',
    endpoint: started.endpoint,
    forcePathStyle: true,
    credentials: motoCredentials,
  });
  await made.ensureReady();
  return made;
}

describeObjectStore('S3 (moto)', async () => {
  const made = await bucket();
  const prefix = `artifacts/workspaces/${randomBytes(6).toString('hex')}/`;
  const { s3, bucket: name } = made.client;
  return {
    bucket: made,
    prefix,
    async listRawObjects() {
      const keys: string[] = [];
      let token: string | undefined;
      do {
        const page = await s3.send(new ListObjectsV2Command({ Bucket: name, Prefix: prefix, ContinuationToken: token }));
        for (const object of page.Contents ?? []) keys.push((object.Key ?? '').slice(prefix.length));
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token !== undefined);
      // Unfinished multipart uploads count too: S3 keeps (and bills) their parts until they are aborted.
      const uploads = await s3.send(new ListMultipartUploadsCommand({ Bucket: name, Prefix: prefix }));
      for (const upload of uploads.Uploads ?? []) keys.push(`unfinished upload of ${(upload.Key ?? '').slice(prefix.length)}`);
      return keys.sort();
    },
    cleanup: () => made.deletePrefix(prefix),
  };
});

describe('S3Bucket', () => {
  it('makes its bucket, in the region it is given, when it does not exist', async () => {
    started = await moto();
    const name = `trellis-${randomBytes(4).toString('hex')}`;
    const made = new S3Bucket({
      bucket: name,
      region: 'ap-southeast-2',
      endpoint: started.endpoint,
      forcePathStyle: true,
      credentials: motoCredentials,
    });
    assert.equal(made.description, `S3 bucket '${name}' at ${started.endpoint}`);
    await made.ensureReady();
    await made.ensureReady();
    const location = await made.client.s3.send(new GetBucketLocationCommand({ Bucket: name }));
    assert.equal(location.LocationConstraint, 'ap-southeast-2');
  });

  it('says which store failed, its URL and why, when the endpoint is unreachable', async () => {
    const unreachable = new S3Bucket({
      bucket: bucketName,
      region: 'eu-west-1',
      endpoint: 'http://127.0.0.1:9',
      forcePathStyle: true,
      credentials: motoCredentials,
    });
    await assert.rejects(unreachable.ensureReady(), (error) => {
      assert.ok(isTrellisError(error));
      assert.equal(error.code, 'ArtifactStoreUnavailable');
      assert.match(
        error.message,
        /^the artifact store \(S3 bucket 'trellis-[0-9a-f]+' at http:\/\/127\.0\.0\.1:9\) failed while checking it at start: .*ECONNREFUSED/,
      );
      assert.ok(!error.message.includes(motoCredentials.secretAccessKey));
      return true;
    });
  });
});
