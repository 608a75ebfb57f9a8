import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseObjectStoreLocation } from './object-store-target.js';

describe('parseObjectStoreLocation', () => {
  it('reads an Azure container URL: account host, container, prefix and SAS, shown without the SAS', () => {
    const parsed = parseObjectStoreLocation('https://acct.blob.core.windows.net/backups/team/trellis?sv=1&sig=secret', {});
    assert.deepEqual(parsed, {
      settings: {
        store: 'azure_blob',
        accountUrl: 'https://acct.blob.core.windows.net',
        container: 'backups',
        credential: { sasToken: 'sv=1&sig=secret' },
      },
      prefix: 'team/trellis/',
      shown: 'https://acct.blob.core.windows.net/backups/team/trellis',
    });
  });

  it("puts an emulator's account in the account URL, and signs with the account key when there is no SAS", () => {
    const parsed = parseObjectStoreLocation('http://127.0.0.1:10000/devstoreaccount1/backups', { TRELLIS_AZURE_BLOB_ACCOUNT_KEY: 'key' });
    assert.deepEqual(parsed.settings, {
      store: 'azure_blob',
      accountUrl: 'http://127.0.0.1:10000/devstoreaccount1',
      container: 'backups',
      credential: { accountKey: 'key', accountName: 'devstoreaccount1' },
    });
    assert.equal(parsed.prefix, '');
  });

  it('reads s3://bucket/prefix with the S3 settings of the environment', () => {
    const parsed = parseObjectStoreLocation('s3://trellis-backups/nightly', {
      TRELLIS_S3_ENDPOINT: 'http://127.0.0.1:5000',
      TRELLIS_S3_ACCESS_KEY_ID: 'id',
      TRELLIS_S3_SECRET_ACCESS_KEY: 'secret',
    });
    assert.equal(parsed.prefix, 'nightly/');
    assert.equal(parsed.shown, 's3://trellis-backups/nightly');
    assert.deepEqual(parsed.settings, {
      store: 's3',
      prefix: '',
      bucket: 'trellis-backups',
      region: 'us-east-1',
      endpoint: 'http://127.0.0.1:5000',
      forcePathStyle: true,
      credentials: { accessKeyId: 'id', secretAccessKey: 'secret' },
    });
  });

  it('refuses a container URL without a SAS or key, one without a container, and other schemes', () => {
    assert.throws(() => parseObjectStoreLocation('https://acct.blob.core.windows.net/backups', {}), /carries no SAS token/);
    assert.throws(() => parseObjectStoreLocation('https://acct.blob.core.windows.net/?sig=x', {}), /names no container/);
    assert.throws(() => parseObjectStoreLocation('ftp://host/folder', {}), /ftp:\/\/ locations are not supported/);
  });
});
