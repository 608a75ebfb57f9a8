import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  hasRelativePathReferences,
  isLocalUri,
  isMlflowArtifactSource,
  isUriWithinRoot,
  parseModelUri,
  parseRunsUri,
  parseUri,
} from './model-version-source.js';

describe('model version sources', () => {
  it('splits URIs like urlparse', () => {
    assert.deepEqual(parseUri('runs:/abc/model'), { scheme: 'runs', netloc: '', path: '/abc/model' });
    assert.deepEqual(parseUri('S3://bucket/a/b?x=1'), { scheme: 's3', netloc: 'bucket', path: '/a/b' });
    assert.deepEqual(parseUri('path/to/model'), { scheme: '', netloc: '', path: 'path/to/model' });
  });

  it('parses models:/ URIs: id, version, stage, latest, alias', () => {
    assert.deepEqual(parseModelUri('models:/m-0123abcd'), { modelId: 'm-0123abcd' });
    assert.deepEqual(parseModelUri('models:/iris/3'), { name: 'iris', version: '3' });
    assert.deepEqual(parseModelUri('models:/iris/Production'), { name: 'iris', stage: 'Production' });
    assert.deepEqual(parseModelUri('models:/iris/LATEST'), { name: 'iris' });
    assert.deepEqual(parseModelUri('models:/iris@champion'), { name: 'iris', alias: 'champion' });
    assert.equal(parseModelUri('models:/'), undefined);
    assert.equal(parseModelUri('models:/a/b/c'), undefined);
    assert.equal(parseModelUri('models:/iris@'), undefined);
    assert.equal(parseModelUri('runs:/x/y'), undefined);
  });

  it('parses runs:/ URIs', () => {
    assert.deepEqual(parseRunsUri('runs:/run_id/a/b/c'), { runId: 'run_id', path: 'a/b/c' });
    assert.deepEqual(parseRunsUri('runs:/run_id'), { runId: 'run_id', path: '' });
    assert.equal(parseRunsUri('runs:/'), undefined);
  });

  it('tells local paths and proxied artifact URIs apart', () => {
    assert.equal(isLocalUri('/tmp/model'), true);
    assert.equal(isLocalUri('model'), true);
    assert.equal(isLocalUri('file:///tmp/model'), true);
    assert.equal(isLocalUri('s3://bucket/model'), false);
    assert.equal(isMlflowArtifactSource('mlflow-artifacts:/1/abc/artifacts/model'), true);
    assert.equal(isMlflowArtifactSource('https://host/api/2.0/mlflow-artifacts/artifacts/1/x'), true);
    assert.equal(isMlflowArtifactSource('https://host/models/x'), false);
  });

  it('finds relative path references, also percent-encoded', () => {
    assert.equal(hasRelativePathReferences('s3://bucket/models/a'), false);
    assert.equal(hasRelativePathReferences('runs:/abc/model'), false);
    assert.equal(hasRelativePathReferences('s3:/my_bucket/models/path/../../other/path'), true);
    assert.equal(hasRelativePathReferences('mlflow-artifacts://host:5000/..%2f..%2fetc'), true);
    assert.equal(hasRelativePathReferences('http://host/api/2.0/mlflow-artifacts/artifacts%00'), true);
    assert.equal(hasRelativePathReferences('s3://bucket'), true);
  });

  it('checks that a source lies under a root', () => {
    assert.equal(isUriWithinRoot('mlflow-artifacts:/1/r/artifacts/model', 'mlflow-artifacts:/1/r/artifacts'), true);
    assert.equal(isUriWithinRoot('mlflow-artifacts:/1/r2/artifacts/model', 'mlflow-artifacts:/1/r/artifacts'), false);
    assert.equal(isUriWithinRoot('mlflow-artifacts:/1/r/artifacts%2fmodel', 'mlflow-artifacts:/1/r/artifacts'), false);
    assert.equal(isUriWithinRoot('s3://b/1/r/artifacts', 'mlflow-artifacts:/1/r/artifacts'), false);
  });
});
