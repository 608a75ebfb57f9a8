import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Command } from 'commander';
import { parse } from 'yaml';
import { ApiError } from '../client/api-error.js';
import type { BatchEndpointBody } from '../client/trellis-client.js';
import {
  addDeploymentNameOption,
  addEndpointNameOption,
  batchEndpointYamlFromFlags,
  deploymentNameOf,
  endpointNameOf,
  onlineEndpointYamlFromFlags,
} from './endpoint-flags.js';

describe('the endpoint and deployment flags as az spells them', () => {
  const parsed = (args: string[]) => {
    const command = new Command('show').exitOverride();
    addDeploymentNameOption(addEndpointNameOption(command), 'the deployment');
    command.parse(args, { from: 'user' });
    return command.opts<{ endpointName?: string; endpoint?: string; deploymentName?: string; deployment?: string }>();
  };

  it('takes -e, --endpoint-name and --endpoint as one flag; -d, --deployment-name and --deployment as another', () => {
    for (const args of [
      ['-e', 'iris'],
      ['--endpoint-name', 'iris'],
      ['--endpoint', 'iris'],
    ])
      assert.equal(endpointNameOf(parsed(args), 'required'), 'iris');
    for (const args of [
      ['-d', 'blue'],
      ['--deployment-name', 'blue'],
      ['--deployment', 'blue'],
    ])
      assert.equal(deploymentNameOf(parsed(args)), 'blue');
  });

  it('says which flag is missing when the endpoint is needed', () => {
    assert.equal(endpointNameOf(parsed([])), undefined);
    assert.throws(
      () => endpointNameOf(parsed([]), 'required'),
      (error: unknown) =>
        error instanceof ApiError && error.status === 400 && /--endpoint-name <name> \(or -e, --endpoint\)/.test(error.message),
    );
  });
});

describe('onlineEndpointYamlFromFlags', () => {
  it('makes a key-auth endpoint from --name alone, and takes --auth-mode', () => {
    assert.deepEqual(parse(onlineEndpointYamlFromFlags({ name: 'iris' })), {
      $schema: 'https://azuremlschemas.azureedge.net/latest/managedOnlineEndpoint.schema.json',
      name: 'iris',
      auth_mode: 'key',
    });
    assert.equal(
      (parse(onlineEndpointYamlFromFlags({ name: 'iris', authMode: 'aml_token' })) as { auth_mode: string }).auth_mode,
      'aml_token',
    );
  });

  it('names --name and --auth-mode in its problems', () => {
    assert.throws(
      () => onlineEndpointYamlFromFlags({ name: 'no', authMode: 'aad_token' }),
      (error: unknown) =>
        error instanceof ApiError &&
        error.status === 400 &&
        /--name: 'no' is not a valid endpoint name/.test(error.message) &&
        /--auth-mode: aad_token .* use key/.test(error.message),
    );
  });
});

describe('batchEndpointYamlFromFlags', () => {
  const current: BatchEndpointBody = {
    workspace: 'default',
    name: 'heart',
    description: 'scores hearts',
    tags: { team: 'a' },
    authMode: 'aml_token',
    defaultDeployment: 'classifier-a',
    state: 'Succeeded',
    createdBy: 'local:me',
    createdAt: 0,
    updatedAt: 0,
    etag: 'e',
    provisioning_state: 'Succeeded',
    auth_mode: 'aml_token',
    scoring_uri: 'http://127.0.0.1:5050/api/v1/workspaces/default/batch-endpoints/heart/invoke',
    defaults: { deployment_name: 'classifier-a' },
  };

  it('makes a new endpoint from --name', () => {
    assert.deepEqual(parse(batchEndpointYamlFromFlags({ name: 'heart' })), {
      $schema: 'https://azuremlschemas.azureedge.net/latest/batchEndpoint.schema.json',
      name: 'heart',
    });
  });

  it('writes the stored endpoint back as it stands, for --set to change (update without a file)', () => {
    assert.deepEqual(parse(batchEndpointYamlFromFlags({ name: 'heart' }, current)), {
      $schema: 'https://azuremlschemas.azureedge.net/latest/batchEndpoint.schema.json',
      name: 'heart',
      description: 'scores hearts',
      tags: { team: 'a' },
      auth_mode: 'aml_token',
      defaults: { deployment_name: 'classifier-a' },
    });
  });
});
