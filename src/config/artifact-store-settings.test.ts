import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { isTrellisError } from '../core/errors.js';
import { artifactStoreSettings } from './artifact-store-settings.js';
import { loadConfig } from './config.js';

/** The error of a refused configuration: InvalidConfiguration, its message matching `pattern`. */
function refuses(make: () => unknown, pattern: RegExp, secret?: string) {
  assert.throws(make, (error) => {
    assert.ok(isTrellisError(error));
    assert.equal(error.code, 'InvalidConfiguration');
    assert.match(error.message, pattern);
    if (secret !== undefined) assert.ok(!error.message.includes(secret), 'the message shows a secret');
    return true;
  });
}

describe('artifact store settings', () => {
  let home: string;
  before(async () => {
    home = await mkdtemp(join(tmpdir(), 'trellis-artifact-settings-'));
  });
  after(() => rm(home, { recursive: true, force: true }));

  it('keeps artifacts on the local filesystem unless told otherwise', () => {
    assert.deepEqual(loadConfig({ TRELLIS_HOME: join(home, 'none') }).artifacts, { store: 'local' });
  });

  it('reads an Azure Blob store from config.yaml, the environment winning key by key', async () => {
    await writeFile(
      join(home, 'config.yaml'),
      'artifacts:\n  store: azure_blob\n  account_url: https://mlstore.blob.core.windows.net/\n  container: trellis\n  account_key: a2V5\n  prefix: /team-a/\n',
    );
    assert.deepEqual(loadConfig({ TRELLIS_HOME: home }).artifacts, {
      store: 'azure_blob',
      prefix: 'team-a/',
      accountUrl: 'https://mlstore.blob.core.windows.net',
      container: 'trellis',
      credential: { accountKey: 'a2V5', accountName: undefined },
    });
    // A credential from the environment replaces the file's: the SAS, not the key and the SAS.
    assert.deepEqual(
      loadConfig({ TRELLIS_HOME: home, TRELLIS_AZURE_BLOB_SAS_TOKEN: '?sv=x&sig=y', TRELLIS_AZURE_BLOB_CONTAINER: 'other' }).artifacts,
      {
        store: 'azure_blob',
        prefix: 'team-a/',
        accountUrl: 'https://mlstore.blob.core.windows.net',
        container: 'other',
        credential: { sasToken: '?sv=x&sig=y' },
      },
    );
    // The environment can choose another store altogether.
    assert.deepEqual(loadConfig({ TRELLIS_HOME: home, TRELLIS_ARTIFACT_STORE: 'local' }).artifacts, { store: 'local' });
  });

  it('reads an S3 store from the environment, path-style when it names an endpoint', () => {
    assert.deepEqual(
      artifactStoreSettings({
        TRELLIS_ARTIFACT_STORE: 's3',
        TRELLIS_S3_BUCKET: 'ml-artifacts',
        TRELLIS_S3_ENDPOINT: 'http://minio.local:9000',
        TRELLIS_S3_ACCESS_KEY_ID: 'AKIA',
        TRELLIS_S3_SECRET_ACCESS_KEY: 'secret',
      }),
      {
        store: 's3',
        prefix: '',
        bucket: 'ml-artifacts',
        region: 'us-east-1',
        endpoint: 'http://minio.local:9000',
        forcePathStyle: true,
        credentials: { accessKeyId: 'AKIA', secretAccessKey: 'secret' },
      },
    );
    assert.deepEqual(artifactStoreSettings({ AWS_REGION: 'eu-west-1' }, { store: 's3', bucket: 'ml-artifacts' }), {
      store: 's3',
      prefix: '',
      bucket: 'ml-artifacts',
      region: 'eu-west-1',
      endpoint: undefined,
      forcePathStyle: false,
      credentials: undefined,
    });
  });

  it('refuses what cannot work, naming the setting and the fix, never a secret', () => {
    refuses(
      () => artifactStoreSettings({ TRELLIS_ARTIFACT_STORE: 'gcs' }),
      /'gcs' is not a store Trellis has; use local, azure_blob or s3/,
    );
    refuses(
      () => artifactStoreSettings({}, { store: 'azure_blob', account_key: 'k' }),
      /needs a container: set TRELLIS_AZURE_BLOB_CONTAINER/,
    );
    refuses(
      () => artifactStoreSettings({}, { store: 'azure_blob', container: 'Bad_Name', account_key: 'k' }),
      /'Bad_Name' is not a container name/,
    );
    refuses(
      () => artifactStoreSettings({}, { store: 'azure_blob', container: 'trellis', account_key: 'the-key', sas_token: 'the-sas' }),
      /exactly one credential, got account_key and sas_token/,
      'the-key',
    );
    refuses(() => artifactStoreSettings({}, { store: 'azure_blob', container: 'trellis', account_key: 'k' }), /needs the account URL/);
    refuses(
      () =>
        artifactStoreSettings(
          {},
          { store: 'azure_blob', container: 'trellis', account_key: 'k', account_url: 'https://a.blob.core.windows.net/?sig=secret' },
        ),
      /account_url is not an http\(s\) URL without credentials or a query/,
      'secret',
    );
    refuses(() => artifactStoreSettings({ TRELLIS_ARTIFACT_STORE: 's3' }), /needs a bucket: set TRELLIS_S3_BUCKET/);
    refuses(() => artifactStoreSettings({}, { store: 's3', bucket: 'b', access_key_id: 'AKIA' }), /is not a bucket name/);
    refuses(
      () => artifactStoreSettings({}, { store: 's3', bucket: 'bucket', access_key_id: 'AKIA' }),
      /an access key id and its secret together/,
    );
    refuses(
      () => artifactStoreSettings({ TRELLIS_ARTIFACT_PREFIX: '../up' }, { store: 's3', bucket: 'bucket' }),
      /artifacts.prefix '..\/up' is not a folder path/,
    );
  });

  it('refuses an artifacts key config.yaml does not know, naming it', async () => {
    await writeFile(join(home, 'config.yaml'), 'artifacts:\n  store: s3\n  buckett: typo\n');
    refuses(() => loadConfig({ TRELLIS_HOME: home }), /config\.yaml is not valid: artifacts: .*buckett/);
  });
});
