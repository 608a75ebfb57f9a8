import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatDatastoreUri, isDatastoreUri, parseDatastoreUri } from './datastore-uri.js';

describe('azureml://datastores URIs', () => {
  it('parses the short form, files and folders', () => {
    assert.deepEqual(parseDatastoreUri('azureml://datastores/workspaceblobstore/paths/example-data/iris.csv'), {
      datastore: 'workspaceblobstore',
      path: 'example-data/iris.csv',
    });
    assert.deepEqual(parseDatastoreUri('azureml://datastores/workspaceblobstore/paths/example-data/'), {
      datastore: 'workspaceblobstore',
      path: 'example-data/',
    });
    assert.deepEqual(parseDatastoreUri('azureml://datastores/blob_example/paths/'), { datastore: 'blob_example', path: '' });
  });

  it('parses the long form Azure ML writes with subscription, resource group and workspace', () => {
    const uri = 'azureml://subscriptions/0000/resourcegroups/rg/workspaces/ws/datastores/workspaceblobstore/paths/a/b.csv';
    assert.equal(isDatastoreUri(uri), true);
    assert.deepEqual(parseDatastoreUri(uri), { datastore: 'workspaceblobstore', path: 'a/b.csv' });
  });

  it('refuses paths that leave the datastore and URIs of another form', () => {
    assert.match(String(Object.values(parseDatastoreUri('azureml://datastores/x/paths/a/../../b'))[0]), /'\.\.'/);
    assert.ok('problem' in parseDatastoreUri('azureml://datastores/x/files/a'));
    assert.equal(isDatastoreUri('azureml:iris:1'), false);
    assert.equal(isDatastoreUri('azureml://registries/azureml/environments/sklearn-1.5/labels/latest'), false);
  });

  it('formats what it parses', () => {
    assert.equal(formatDatastoreUri({ datastore: 'd', path: 'a/b' }), 'azureml://datastores/d/paths/a/b');
  });
});
