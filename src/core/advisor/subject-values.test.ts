import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { jsonPointer, referencedName } from './static-subject.js';
import { computeTypeName, isoDurationSeconds, modelSourceOf, packagesFromConda, snakeCase } from './subject-values.js';

describe('subject values', () => {
  it("spells ARM's and the CLI's enum values alike", () => {
    assert.deepEqual(
      [
        'AllowOnlyApprovedOutbound',
        'allow_only_approved_outbound',
        'SystemAssigned,UserAssigned',
        'AMLToken',
        'LowPriority',
        'NotSpecified',
      ].map(snakeCase),
      [
        'allow_only_approved_outbound',
        'allow_only_approved_outbound',
        'system_assigned,user_assigned',
        'aml_token',
        'low_priority',
        'not_specified',
      ],
    );
    assert.deepEqual(['AmlCompute', 'ComputeInstance', 'AKS'].map(computeTypeName), ['amlcompute', 'computeinstance', 'kubernetes']);
  });

  it('reads ISO 8601 durations in seconds, and nothing else', () => {
    assert.deepEqual(['PT120S', 'PT30M', 'PT1H30M', 'P1D', 'PT0.5S'].map(isoDurationSeconds), [120, 1800, 5400, 86_400, 0.5]);
    assert.deepEqual(['P', 'PT', '120', 'PT5X'].map(isoDurationSeconds), [undefined, undefined, undefined, undefined]);
  });

  it("lists a conda file's conda and pip packages", () => {
    assert.deepEqual(
      packagesFromConda({ name: 'e', channels: ['conda-forge'], dependencies: ['python=3.11', 'pip', { pip: ['numpy==1.26.4', 7] }] }),
      {
        conda: ['python=3.11', 'pip'],
        pip: ['numpy==1.26.4'],
      },
    );
    assert.equal(packagesFromConda(['numpy']), undefined);
    assert.equal(packagesFromConda({ name: 'e' }), undefined);
  });

  it('tells registry models from workspace models', () => {
    assert.equal(modelSourceOf('azureml://registries/shared/models/m/versions/1').from, 'registry');
    assert.equal(
      modelSourceOf('/subscriptions/s/resourceGroups/g/providers/Microsoft.MachineLearningServices/registries/r/models/m/versions/1').from,
      'registry',
    );
    assert.equal(modelSourceOf('azureml:m:1').from, 'workspace');
  });

  it('names what a reference points at, and escapes JSON pointers', () => {
    assert.deepEqual(
      [
        'azureml:cpu',
        'cpu',
        '/subscriptions/s/resourceGroups/g/providers/Microsoft.MachineLearningServices/workspaces/ws/computes/cpu',
      ].map(referencedName),
      ['cpu', 'cpu', 'cpu'],
    );
    assert.equal(
      jsonPointer(['identity', 'user_assigned_identities', '/subscriptions/x~y', 0]),
      '/identity/user_assigned_identities/~1subscriptions~1x~0y/0',
    );
  });
});
