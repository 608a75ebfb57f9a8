import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseYaml } from '../yaml/parse-yaml.js';
import { namesRegisteredComponents, pipelineLocalPaths } from './pipeline-local-paths.js';

// 1b_e2e_registered_components' shape: registered components, local data inputs, a binding.
const registered = `type: pipeline
inputs:
  rows: {type: uri_file, path: ./rows.csv}
  epochs: 20
jobs:
  train_job:
    component: azureml:my_train@latest
    inputs:
      training_data: {type: uri_folder, path: ./data}
      max_epocs: \${{parent.inputs.epochs}}
  score_job:
    component:
      type: command
      code: ./score_src
      environment: {image: python, conda_file: ./conda.yaml}
      command: python score.py
      inputs:
        test_data: {type: uri_folder, default: ./defaults}
        model: {type: uri_folder}
    inputs:
      model: \${{parent.jobs.train_job.outputs.model_output}}
  plain:
    command: ls
    code: ./src
    environment: azureml:trellis-python@latest
    inputs:
      remote: {type: uri_file, path: https://example.com/a.csv}
`;

describe('pipelineLocalPaths', () => {
  it('finds what the client sends without validating: data inputs, code, conda files and default data, not bindings or URLs', () => {
    const yaml = parseYaml(registered, 'pipeline.yml');
    assert.equal(namesRegisteredComponents(yaml), true);
    const found = pipelineLocalPaths(yaml).map((local) => `${local.pointer.join('.')}=${local.value} (${local.use}, line ${local.line})`);
    assert.deepEqual(found, [
      'inputs.rows.path=./rows.csv (upload, line 3)',
      'jobs.train_job.inputs.training_data.path=./data (upload, line 9)',
      'jobs.score_job.component.code=./score_src (upload, line 14)',
      'jobs.score_job.component.environment.conda_file=./conda.yaml (inline-yaml, line 15)',
      'jobs.score_job.component.inputs.test_data.default=./defaults (upload, line 18)',
      'jobs.plain.code=./src (upload, line 24)',
    ]);
  });

  it('says when no step names a registered component', () => {
    assert.equal(namesRegisteredComponents(parseYaml('type: pipeline\njobs:\n  a:\n    component: ./a.yml\n', 'p.yml')), false);
  });
});
