import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { registriesNamedIn, registryActionFor, registryOfScope } from './registry-access.js';

describe('registry access', () => {
  it('maps asset actions on a registry space to registries/assets/*', () => {
    const ws = 'Microsoft.MachineLearningServices/workspaces';
    assert.equal(registryActionFor(`${ws}/models/read`), 'Microsoft.MachineLearningServices/registries/assets/read');
    assert.equal(registryActionFor(`${ws}/components/write`), 'Microsoft.MachineLearningServices/registries/assets/write');
    assert.equal(registryActionFor(`${ws}/environments/delete`), 'Microsoft.MachineLearningServices/registries/assets/delete');
    assert.equal(registryActionFor(`${ws}/metadata/snapshots/write`), 'Microsoft.MachineLearningServices/registries/assets/write');
    assert.equal(registryActionFor(`${ws}/read`), 'Microsoft.MachineLearningServices/registries/read');
  });

  it('has no registry meaning for jobs, endpoints, computes or experiments', () => {
    const ws = 'Microsoft.MachineLearningServices/workspaces';
    for (const action of [
      `${ws}/jobs/write`,
      `${ws}/onlineEndpoints/write`,
      `${ws}/computes/read`,
      `${ws}/experiments/read`,
      `${ws}/write`,
    ])
      assert.equal(registryActionFor(action), undefined, action);
  });

  it('knows a registry space from a workspace', () => {
    assert.equal(registryOfScope('/workspaces/@shared'), 'shared');
    assert.equal(registryOfScope('/workspaces/dev'), undefined);
    assert.equal(registryOfScope('/'), undefined);
  });

  it('finds every registry a body refers to, once', () => {
    const body = JSON.stringify({
      text: 'model: azureml://registries/shared/models/churn/versions/2\nenvironment: azureml://registries/azureml/environments/sklearn-1.5/labels/latest\nx: azureml://registries/shared/models/other/versions/1',
    });
    assert.deepEqual(registriesNamedIn(body), ['shared', 'azureml']);
    assert.deepEqual(registriesNamedIn('azureml:churn:1'), []);
  });
});
