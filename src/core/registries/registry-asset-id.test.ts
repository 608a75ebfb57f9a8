import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isTrellisError } from '../errors.js';
import { assetIdOf, formatRegistryAssetId, parseRegistryAssetId, registryOfStorage, registryStorageOf } from './registry-asset-id.js';

describe('registry asset ids', () => {
  it('parses versions and the latest label of every kind Azure writes', () => {
    assert.deepEqual(parseRegistryAssetId('azureml://registries/shared/models/churn/versions/3'), {
      registry: 'shared',
      kind: 'model',
      name: 'churn',
      version: '3',
    });
    assert.deepEqual(parseRegistryAssetId('azureml://registries/azureml/components/train_1b/labels/latest'), {
      registry: 'azureml',
      kind: 'component',
      name: 'train_1b',
      version: 'latest',
    });
    assert.equal(parseRegistryAssetId('azureml://registries/r/environments/sklearn/versions/1').kind, 'environment');
    assert.equal(parseRegistryAssetId('azureml://registries/r/data/iris/versions/2').kind, 'data');
  });

  it('formats what it parses', () => {
    for (const id of ['azureml://registries/shared/models/churn/versions/3', 'azureml://registries/r/components/c/labels/latest'])
      assert.equal(formatRegistryAssetId(parseRegistryAssetId(id)), id);
  });

  it('refuses malformed ids with the right form and other labels by name', () => {
    const refusal = (text: string) => {
      try {
        parseRegistryAssetId(text);
      } catch (error) {
        assert.ok(isTrellisError(error));
        assert.equal(error.status, 400);
        return error.message;
      }
      assert.fail(`'${text}' was accepted`);
    };
    assert.match(refusal('azureml://registries/shared/models/churn'), /azureml:\/\/registries\/<registry>/);
    assert.match(refusal('azureml://registries/shared/jobs/x/versions/1'), /does not have the form/);
    assert.match(refusal('azureml://registries/shared/models/churn/labels/prod'), /label 'prod' is not known/);
    assert.match(refusal('azureml://registries/shared/models/churn/versions/latest'), /'latest' is reserved/);
  });

  it('keeps a registry in a storage space no workspace can be named', () => {
    assert.equal(registryStorageOf('shared'), '@shared');
    assert.equal(registryOfStorage('@shared'), 'shared');
    assert.equal(registryOfStorage('dev'), undefined);
    assert.equal(assetIdOf('@shared', 'model', 'm', '1'), 'azureml://registries/shared/models/m/versions/1');
    assert.equal(assetIdOf('dev', 'model', 'm', '1'), 'azureml://workspaces/dev/models/m/versions/1');
  });
});
