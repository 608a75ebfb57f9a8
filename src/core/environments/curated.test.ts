import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { condaToPip } from './conda-to-pip.js';
import { curatedEnvironments, resolveCuratedEnvironment } from './curated.js';

const nameOf = (reference: string) => resolveCuratedEnvironment(reference)?.name;

describe('curated environments', () => {
  it('pins the packages it shares with the test suite venv (test/python/requirements.txt)', () => {
    const sklearn = curatedEnvironments.find((environment) => environment.name === 'trellis-python-sklearn');
    const requirements = condaToPip(sklearn?.spec.conda_file).pipRequirements;
    const testPins = readFileSync(new URL('../../../test/python/requirements.txt', import.meta.url), 'utf8')
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line !== '' && !line.startsWith('#'));
    // The packages a model logged by the tests needs to load here (the test-only ONNX exporters are not).
    const shared = testPins.filter((pin) => ['mlflow', 'scikit-learn', 'pandas', 'numpy'].includes(pin.split('==')[0]!));
    assert.ok(shared.length >= 2, `test/python/requirements.txt pins ${testPins.join(', ')}`);
    for (const pin of shared)
      assert.ok(
        requirements.includes(pin),
        `trellis-python-sklearn should pin ${pin} like test/python/requirements.txt; it has ${requirements.join(', ')}`,
      );
    for (const name of ['mlflow', 'numpy', 'pandas', 'scikit-learn'])
      assert.ok(
        requirements.some((line) => line.startsWith(`${name}==`)),
        name,
      );
  });

  it("carries what Azure's sklearn images have and the azureml-examples scripts import (matplotlib)", () => {
    for (const name of ['trellis-python-sklearn', 'trellis-python-lightgbm']) {
      const environment = curatedEnvironments.find((candidate) => candidate.name === name);
      assert.ok(
        condaToPip(environment?.spec.conda_file).pipRequirements.some((line) => line.startsWith('matplotlib==')),
        name,
      );
    }
  });

  it('translates every curated conda file without notes', () => {
    for (const environment of curatedEnvironments) {
      if (environment.spec.conda_file === undefined) continue;
      assert.deepEqual(condaToPip(environment.spec.conda_file).notes, [], environment.name);
    }
  });

  it('resolves the Trellis names in every reference form', () => {
    assert.equal(nameOf('trellis-python-sklearn'), 'trellis-python-sklearn');
    assert.equal(nameOf('azureml:trellis-python-sklearn@latest'), 'trellis-python-sklearn');
    assert.equal(nameOf('azureml:trellis-python:1'), 'trellis-python');
    assert.equal(nameOf('trellis-node@latest'), 'trellis-node');
    assert.equal(nameOf('trellis-python:7'), undefined);
  });

  it("maps Azure ML's curated sklearn, lightgbm and minimal environments", () => {
    // Azure's sklearn-1.5 has pandas 1.5 (scripts that name it use DataFrame.append): its own counterpart.
    assert.equal(nameOf('azureml://registries/azureml/environments/sklearn-1.5/labels/latest'), 'trellis-python-sklearn-1.5');
    assert.equal(nameOf('azureml://registries/azureml/environments/sklearn-1.5/versions/14'), 'trellis-python-sklearn-1.5');
    assert.equal(nameOf('azureml://registries/azureml/environments/sklearn-1.5'), 'trellis-python-sklearn-1.5');
    assert.equal(nameOf('azureml:AzureML-sklearn-1.0-ubuntu20.04-py38-cpu@latest'), 'trellis-python-sklearn');
    assert.equal(nameOf('azureml:AzureML-sklearn-0.24-ubuntu18.04-py37-cpu:33'), 'trellis-python-sklearn');
    assert.equal(nameOf('azureml:AzureML-lightgbm-3.2-ubuntu18.04-py37-cpu@latest'), 'trellis-python-lightgbm');
    assert.equal(nameOf('azureml://registries/azureml/environments/lightgbm-3.3/labels/latest'), 'trellis-python-lightgbm');
    assert.equal(nameOf('azureml:AzureML-Minimal@latest'), 'trellis-python');
    assert.equal(nameOf('azureml://registries/azureml/environments/minimal-ubuntu22.04-py311-cpu-inference/versions/3'), 'trellis-python');
    assert.equal(nameOf('azureml:AzureML-mlflow-ubuntu20.04-py38-cpu-inference@latest'), 'trellis-python-sklearn');
  });

  it('leaves other references to the workspace: user environments, other registries, GPU images', () => {
    assert.equal(nameOf('azureml:my-sklearn-env@latest'), undefined);
    assert.equal(nameOf('sklearn-1.5:1'), undefined);
    assert.equal(nameOf('azureml://registries/contoso/environments/sklearn-1.5/labels/latest'), undefined);
    assert.equal(nameOf('azureml:AzureML-pytorch-1.10-ubuntu18.04-py38-cuda11-gpu@latest'), undefined);
  });
});
