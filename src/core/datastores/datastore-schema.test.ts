import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isTrellisError } from '../errors.js';
import { parseYaml } from '../yaml/parse-yaml.js';
import { blobServiceUrl, parseDatastoreDocument } from './datastore-schema.js';

const parse = (text: string) => parseDatastoreDocument(parseYaml(text, 'datastore.yml'), 'datastore.yml');

function problemsOf(text: string): string {
  try {
    parse(text);
  } catch (error) {
    if (isTrellisError(error)) return error.message;
    throw error;
  }
  assert.fail('expected the file to be refused');
}

describe('datastore YAML', () => {
  it("reads azureml-examples' blob.yml: the key apart from the spec, Azure's defaults applied", () => {
    const parsed = parse(
      '$schema: https://azuremlschemas.azureedge.net/latest/azureBlob.schema.json\nname: blob_example\ntype: azure_blob\ndescription: Datastore pointing to a blob container.\naccount_name: mytestblobstore\ncontainer_name: data-container\ncredentials:\n  account_key: XXXxxx==\n',
    );
    assert.deepEqual(parsed.spec, {
      type: 'azure_blob',
      account_name: 'mytestblobstore',
      container_name: 'data-container',
      endpoint: 'core.windows.net',
      protocol: 'https',
    });
    assert.deepEqual(parsed.secret, { type: 'account_key', account_key: 'XXXxxx==' });
    assert.ok(!JSON.stringify(parsed.spec).includes('XXXxxx'));
  });

  it('reads a SAS token, no credentials, ADLS Gen2 and S3', () => {
    assert.equal(
      parse('name: a\ntype: azure_blob\naccount_name: x\ncontainer_name: c\ncredentials:\n  sas_token: ?sv=1\n').secret?.type,
      'sas',
    );
    assert.equal(parse('name: a\ntype: azure_blob\naccount_name: x\ncontainer_name: c\n').secret, null);
    assert.equal(parse('name: a\ntype: azure_data_lake_gen2\naccount_name: x\nfilesystem: f\n').spec.type, 'azure_data_lake_gen2');
    const s3 = parse(
      'name: a\ntype: s3\nbucket: b\nendpoint_url: http://127.0.0.1:5000\ncredentials:\n  access_key_id: k\n  secret_access_key: s\n',
    );
    assert.deepEqual(s3.spec, { type: 's3', bucket: 'b', region: 'us-east-1', endpoint_url: 'http://127.0.0.1:5000' });
    assert.deepEqual(s3.secret, { type: 's3_keys', access_key_id: 'k', secret_access_key: 's' });
  });

  it('refuses what Azure ML would, naming the field and line', () => {
    assert.match(problemsOf('name: a\ntype: azure_blob\naccount_name: x\n'), /container_name/);
    assert.match(
      problemsOf('name: a\ntype: azure_blob\naccount_name: x\ncontainer_name: c\ncontainer: d\n'),
      /line 5: container: unknown field 'container'/,
    );
    assert.match(
      problemsOf('name: a\ntype: azure_blob\naccount_name: x\ncontainer_name: c\ncredentials:\n  account_key: k\n  sas_token: t\n'),
      /account_key or sas_token, not both/,
    );
    assert.match(problemsOf('name: a\ntype: ftp\n'), /type: must be one of azure_blob, azure_data_lake_gen2, azure_file, s3; got 'ftp'/);
  });

  it("builds the blob service URL as Azure does, or from an emulator's URL", () => {
    assert.equal(blobServiceUrl({ account_name: 'acct', endpoint: 'core.windows.net' }), 'https://acct.blob.core.windows.net');
    assert.equal(
      blobServiceUrl({ account_name: 'devstoreaccount1', endpoint: 'http://127.0.0.1:10000/' }),
      'http://127.0.0.1:10000/devstoreaccount1',
    );
  });
});
