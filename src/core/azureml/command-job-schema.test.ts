import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { commandJobSchema } from './command-job-schema.js';

// Shapes of the public Azure/azureml-examples cli/jobs files (hello-world-input, single-step/scikit-learn/iris).
const helloInput = `
$schema: https://azuremlschemas.azureedge.net/latest/commandJob.schema.json
command: |
  echo \${{inputs.hello_string}}
  echo \${{inputs.hello_number}}
environment:
  image: library/python:latest
inputs:
  hello_string: "hello world"
  hello_number: 42
compute: azureml:cpu-cluster
`;

const sklearnIris = `
$schema: https://azuremlschemas.azureedge.net/latest/commandJob.schema.json
code: src
command: >-
  python main.py
  --iris-csv \${{inputs.iris_csv}}
  --C \${{inputs.C}}
  --kernel \${{inputs.kernel}}
  --coef0 \${{inputs.coef0}}
inputs:
  iris_csv:
    type: uri_file
    path: wasbs://datasets@azuremlexamples.blob.core.windows.net/iris.csv
  C: 0.8
  kernel: "rbf"
  coef0: 0.1
environment: azureml://registries/azureml/environments/sklearn-1.5/labels/latest
compute: azureml:cpu-cluster
display_name: sklearn-iris-example
experiment_name: sklearn-iris-example
description: Train a scikit-learn SVM on the Iris dataset.
`;

function problems(text: string): string[] {
  const result = commandJobSchema.safeParse(parse(text));
  return result.success ? [] : result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
}

describe('command job schema', () => {
  it('accepts the public hello-world-input and scikit-learn iris jobs, with Azure ML defaults filled in', () => {
    const hello = commandJobSchema.parse(parse(helloInput));
    assert.equal(hello.type, 'command');
    assert.deepEqual(hello.inputs, { hello_string: 'hello world', hello_number: 42 });
    assert.equal(typeof hello.environment, 'object');
    const iris = commandJobSchema.parse(parse(sklearnIris));
    assert.deepEqual(iris.inputs?.iris_csv, { type: 'uri_file', path: 'wasbs://datasets@azuremlexamples.blob.core.windows.net/iris.csv' });
    assert.equal(iris.environment, 'azureml://registries/azureml/environments/sklearn-1.5/labels/latest');
    assert.equal(iris.experiment_name, 'sklearn-iris-example');
  });

  it('fills resources, distribution and output defaults', () => {
    const job = commandJobSchema.parse({
      command: 'python train.py --out ${{outputs.model}}',
      environment: 'azureml:sklearn:1',
      resources: { instance_count: 2 },
      distribution: { type: 'pytorch' },
      outputs: { model: null, report: { type: 'uri_file', mode: 'upload' } },
      limits: { timeout: 3600 },
    });
    assert.equal(job.resources?.instance_count, 2);
    assert.deepEqual(job.distribution, { type: 'pytorch', process_count_per_instance: 1 });
    assert.deepEqual(job.outputs?.model, { type: 'uri_folder' });
    assert.deepEqual(job.outputs?.report, { type: 'uri_file', mode: 'upload' });
  });

  it('names each problem by its field', () => {
    const found = problems(`
command: ""
environment: azureml:env:1
resources: { instance_count: 0 }
distribution: { type: horovod }
limits: { timeout: "soon" }
inputs:
  data: { type: uri_folder, mode: teleport }
  epochs: { type: integer, mode: download }
outputs:
  model: { type: uri_folder, mode: sideways }
instance_type: big
`);
    const text = found.join('\n');
    assert.match(text, /^command: must not be empty/m);
    assert.match(text, /^resources\.instance_count: must be 1 or more/m);
    assert.match(text, /^distribution\.type: must be one of pytorch, mpi, tensorflow/m);
    assert.match(text, /^limits\.timeout: .*number/m);
    assert.match(text, /^inputs\.data\.mode: must be one of ro_mount/m);
    assert.match(text, /^inputs\.epochs\.mode: mode applies to data inputs only/m);
    assert.match(text, /^outputs\.model\.mode: must be one of rw_mount, upload, direct/m);
    assert.match(text, /^instance_type: unknown field 'instance_type'/m);
  });

  it('asks for the path of a data input, and explains what an input may be', () => {
    assert.match(
      problems('command: echo\nenvironment: azureml:e:1\ninputs:\n  data: { type: uri_file }\n').join('\n'),
      /^inputs\.data\.path: a uri_file input needs a path/m,
    );
    assert.match(
      problems('command: echo\nenvironment: azureml:e:1\ninputs:\n  data: [1, 2]\n').join('\n'),
      /^inputs\.data: an input is a literal/m,
    );
  });

  it('requires a command and an environment', () => {
    const text = problems('compute: cpu-cluster\n').join('\n');
    assert.match(text, /^command: /m);
    assert.match(text, /^environment: /m);
  });
});
