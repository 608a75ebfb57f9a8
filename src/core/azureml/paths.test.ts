import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isLocalPath, isRemotePath, remoteScheme } from './paths.js';

describe('remote and local paths', () => {
  it('recognises URIs and asset references as remote', () => {
    const cases: [string, string][] = [
      ['https://account.blob.core.windows.net/c/titanic.csv', 'https'],
      ['http://example.com/data.csv', 'http'],
      ['wasbs://container@account.blob.core.windows.net/folder/', 'wasbs'],
      ['abfss://fs@account.dfs.core.windows.net/folder', 'abfss'],
      ['azureml://datastores/workspaceblobstore/paths/example-data/', 'azureml'],
      ['azureml:my-data:1', 'azureml'],
      ['azureml:my-data@latest', 'azureml'],
      ['runs:/0123/model', 'runs'],
      ['models:/classifier/3', 'models'],
      ['s3://bucket/key', 's3'],
      ['HTTPS://EXAMPLE.COM/X', 'https'],
    ];
    for (const [value, scheme] of cases) {
      assert.equal(remoteScheme(value), scheme, value);
      assert.ok(isRemotePath(value) && !isLocalPath(value), value);
    }
  });

  it('treats relative, absolute, Windows and file: paths as local', () => {
    for (const value of [
      'sample-data/titanic.csv',
      './local-mltable',
      '../src',
      '/data/x',
      'C:\\data\\x',
      'c:/data',
      'file:///tmp/model',
      'folder:with-colon/x',
    ]) {
      assert.ok(isLocalPath(value) && !isRemotePath(value), value);
    }
  });

  it('treats an empty path as neither', () => {
    assert.equal(isLocalPath('  '), false);
    assert.equal(isRemotePath(''), false);
  });
});
