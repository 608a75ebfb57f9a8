import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { isTrellisError, type Problem } from '../errors.js';
import { detectFileKind, type EndpointFileKind } from './detect-kind.js';
import {
  parseBatchDeployment,
  parseBatchEndpoint,
  parseOnlineDeployment,
  parseOnlineEndpoint,
  type ParsedEndpointFile,
} from './parse-endpoint-file.js';
import { applySetOverrides } from './parse-job-file.js';
import { parseResourceFile } from './parse-resource-file.js';

// The Azure ML endpoint examples, kept verbatim (see test/fixtures/azureml-examples/NOTICE.md).
const root = fileURLToPath(new URL('../../../test/fixtures/azureml-examples/', import.meta.url));
const trees = ['cli/endpoints', 'cli/foundation-models'];

const parsers: Record<EndpointFileKind, (text: string, fileName: string) => ParsedEndpointFile<unknown>> = {
  'online-endpoint': parseOnlineEndpoint,
  'online-deployment': parseOnlineDeployment,
  'batch-endpoint': parseBatchEndpoint,
  'batch-deployment': parseBatchDeployment,
};

interface Expected {
  /** What the file is: an endpoint file, a data asset, or a conda file a deployment points to (not parsed here). */
  kind: EndpointFileKind | 'data' | 'model' | 'conda';
  /** Paths of the notes, in file order. */
  notes?: string[];
  local?: string[];
  remote?: string[];
  /** The file is refused with exactly these problems (path@line). */
  refused?: string[];
}

const sample = 'cli/endpoints/online/managed/sample';
const heart = 'cli/endpoints/batch/deploy-models/heart-classifier-mlflow';
const mnist = 'cli/endpoints/batch/deploy-models/mnist-classifier';
const ncd = 'cli/endpoints/online/ncd';
const managed = 'cli/endpoints/online/managed';
const parquet = 'cli/endpoints/batch/deploy-models/custom-outputs-parquet';

const expected: Record<string, Expected> = {
  [`${sample}/endpoint.yml`]: { kind: 'online-endpoint' },
  [`${sample}/blue-deployment.yml`]: {
    kind: 'online-deployment',
    local: ['../../model-1/model/', '../../model-1/onlinescoring/', '../../model-1/environment/conda.yaml'],
  },
  [`${sample}/green-deployment.yml`]: {
    kind: 'online-deployment',
    local: ['../../model-2/model/', '../../model-2/onlinescoring/', '../../model-2/environment/conda.yaml'],
  },
  // The curated environment is named by a registry URI; the files are local.
  [`${sample}/blue-deployment-with-curated-env.yml`]: {
    kind: 'online-deployment',
    local: ['../../model-1/model/', '../../model-1/onlinescoring/'],
  },
  [`${sample}/green-deployment-with-curated-env.yml`]: {
    kind: 'online-deployment',
    local: ['../../model-2/model/', '../../model-2/onlinescoring/'],
  },
  [`${sample}/blue-deployment-with-registered-assets.yml`]: { kind: 'online-deployment', local: ['../../model-1/onlinescoring/'] },
  [`${sample}/green-deployment-with-registered-assets.yml`]: { kind: 'online-deployment', local: ['../../model-2/onlinescoring/'] },
  'cli/endpoints/online/model-1/environment/conda.yaml': { kind: 'conda' },
  'cli/endpoints/online/model-2/environment/conda.yaml': { kind: 'conda' },
  // No-code deployments of MLflow models (Azure's online/ncd examples), and one with a scoring script.
  [`${ncd}/create-endpoint.yaml`]: { kind: 'online-endpoint' },
  [`${ncd}/lightgbm-deployment.yaml`]: { kind: 'online-deployment', local: ['lightgbm-iris/model'] },
  [`${ncd}/sklearn-deployment.yaml`]: { kind: 'online-deployment', local: ['sklearn-diabetes/model'] },
  [`${ncd}/sklearn-deployment-with-script.yaml`]: {
    kind: 'online-deployment',
    local: ['sklearn-diabetes/model', 'sklearn-diabetes/src', 'sklearn-diabetes/environment/conda.yaml'],
  },
  [`${ncd}/lightgbm-iris/model/conda.yaml`]: { kind: 'conda' },
  [`${ncd}/sklearn-diabetes/environment/conda.yaml`]: { kind: 'conda' },
  [`${ncd}/sklearn-diabetes/model/conda.yaml`]: { kind: 'conda' },
  'cli/endpoints/online/triton/single-model/create-managed-endpoint.yaml': { kind: 'online-endpoint' },
  'cli/endpoints/online/triton/single-model/create-managed-deployment.yaml': { kind: 'online-deployment', local: ['./models'] },
  'cli/endpoints/online/kubernetes/kubernetes-endpoint.yml': { kind: 'online-endpoint' },
  'cli/endpoints/online/kubernetes/kubernetes-blue-deployment.yml': {
    kind: 'online-deployment',
    local: ['../model-1/model/', '../model-1/onlinescoring/', '../model-1/environment/conda.yaml'],
  },
  'cli/endpoints/online/kubernetes/kubernetes-green-deployment.yml': {
    kind: 'online-deployment',
    notes: ['app_insights_enabled'],
    local: ['../model-2/model/', '../model-2/onlinescoring/', '../model-2/environment/conda.yaml'],
  },
  [`${heart}/endpoint.yml`]: { kind: 'batch-endpoint', notes: ['auth_mode'] },
  [`${heart}/deployment-simple/deployment.yml`]: { kind: 'batch-deployment' },
  [`${heart}/deployment-custom/deployment.yml`]: { kind: 'batch-deployment', local: ['code', 'environment/conda.yaml'] },
  [`${heart}/deployment-custom/environment/conda.yaml`]: { kind: 'conda' },
  [`${heart}/heart-dataset-unlabeled.yml`]: { kind: 'data', local: ['data'] },
  [`${mnist}/endpoint.yml`]: { kind: 'batch-endpoint' },
  [`${mnist}/deployment-keras/deployment.yml`]: { kind: 'batch-deployment', local: ['model', 'code', 'environment/conda.yaml'] },
  [`${mnist}/deployment-keras/environment/conda.yaml`]: { kind: 'conda' },
  [`${mnist}/deployment-torch/deployment.yml`]: { kind: 'batch-deployment', local: ['model', 'code', 'environment/conda.yaml'] },
  [`${mnist}/deployment-torch/environment/conda.yaml`]: { kind: 'conda' },
  [`${heart}/deployment-simple/model/conda.yaml`]: { kind: 'conda' },
  [`${heart}/deployment-custom/model/conda.yaml`]: { kind: 'conda' },
  [`${parquet}/endpoint.yml`]: { kind: 'batch-endpoint', notes: ['auth_mode'] },
  [`${parquet}/deployment.yml`]: { kind: 'batch-deployment', local: ['code', 'environment/conda.yaml'] },
  [`${parquet}/environment/conda.yaml`]: { kind: 'conda' },
  'cli/endpoints/online/model-1/environment/conda-managedidentity.yaml': { kind: 'conda' },
  // Files with placeholders that their scripts fill in (--endpoint-name, sed of {{...}}): as they
  // are, the placeholder is refused by name; test/endpoints-azureml-examples.test.ts runs the scripts.
  [`${managed}/binary-payloads/binary-payloads-deployment.yml`]: { kind: 'online-deployment', refused: ['endpoint_name@3'] },
  [`${managed}/binary-payloads/env.yml`]: { kind: 'conda' },
  [`${managed}/inference-schema/deployment-numpy.yml`]: { kind: 'online-deployment', refused: ['endpoint_name@3'] },
  [`${managed}/inference-schema/deployment-pandas.yml`]: { kind: 'online-deployment', refused: ['endpoint_name@3'] },
  [`${managed}/inference-schema/deployment-standard.yml`]: { kind: 'online-deployment', refused: ['endpoint_name@3'] },
  [`${managed}/inference-schema/env.yml`]: { kind: 'conda' },
  [`${managed}/inference-schema/model.yml`]: { kind: 'model', local: ['models'] },
  [`${managed}/minimal/single-model-registered/deployment.yml`]: { kind: 'online-deployment', refused: ['endpoint_name@3', 'model@4'] },
  [`${managed}/minimal/single-model-registered/env.yml`]: { kind: 'conda' },
  [`${managed}/minimal/single-model-registered/model.yml`]: { kind: 'model', refused: ['version@3'] },
  [`${managed}/openapi/deployment.yml`]: { kind: 'online-deployment', refused: ['endpoint_name@3'] },
  [`${managed}/openapi/env.yml`]: { kind: 'conda' },
  // Pipeline component deployments: Trellis deploys models only.
  'cli/endpoints/batch/deploy-pipelines/hello-batch/endpoint.yml': { kind: 'batch-endpoint', notes: ['auth_mode'] },
  'cli/endpoints/batch/deploy-pipelines/hello-batch/deployment.yml': { kind: 'batch-deployment', refused: ['type@4'] },
  'cli/endpoints/batch/deploy-pipelines/hello-batch/deployment-from-job.yml': { kind: 'batch-deployment', refused: ['type@4'] },
  // Settings at the top level (the layout before CLI 1.7); endpoint_name and model come from --set.
  'cli/foundation-models/system/inference/fill-mask/batch-deploy.yml': {
    kind: 'batch-deployment',
    refused: ['endpoint_name@1', 'model@1'],
  },
};

/** Local paths the examples name whose content is not kept here (binary models of 1 MB and more; see the NOTICE). */
const notCopied = new Set([
  'cli/endpoints/online/triton/single-model/models',
  `${mnist}/deployment-keras/model`,
  `${mnist}/deployment-torch/model`,
]);

function yamlFiles(folder: string): string[] {
  return readdirSync(join(root, folder), { withFileTypes: true }).flatMap((entry) => {
    const path = `${folder}/${entry.name}`;
    if (entry.isDirectory()) return yamlFiles(path);
    return /\.ya?ml$/i.test(entry.name) ? [path] : [];
  });
}

function read(file: string): string {
  return readFileSync(join(root, file), 'utf8');
}

function problemsOf(run: () => unknown): Problem[] {
  try {
    run();
  } catch (error) {
    assert.ok(isTrellisError(error) && error.code === 'InvalidInput', String(error));
    return error.problems;
  }
  return assert.fail('expected an InvalidInput error');
}

/** Parses an endpoint example by the kind its $schema names. */
function parseExample(file: string, kind: EndpointFileKind): ParsedEndpointFile<unknown> {
  const text = read(file);
  assert.deepEqual(detectFileKind(parse(text) as Record<string, unknown>), { kind, from: '$schema' });
  return parsers[kind](text, file);
}

describe('Azure ML endpoint example files', () => {
  it('has an expectation for every example YAML file, and a file for every expectation', () => {
    assert.deepEqual(trees.flatMap(yamlFiles).sort(), Object.keys(expected).sort());
  });

  for (const [file, expectation] of Object.entries(expected)) {
    const { kind } = expectation;
    if (kind === 'conda') continue;
    it(`${file} ${expectation.refused ? 'is refused with a clear problem' : `parses as ${kind}`}`, () => {
      if (kind === 'data' || kind === 'model') {
        if (expectation.refused) {
          const problems = problemsOf(() => parseResourceFile(read(file), { fileName: file }));
          assert.deepEqual(
            problems.map((problem) => `${problem.path}@${problem.line}`),
            expectation.refused,
          );
          return;
        }
        const parsed = parseResourceFile(read(file), { fileName: file });
        assert.equal(parsed.kind, kind);
        assert.deepEqual(
          parsed.localPaths.map((path) => path.value),
          expectation.local ?? [],
        );
        return;
      }
      if (expectation.refused) {
        const problems = problemsOf(() => parseExample(file, kind));
        assert.deepEqual(
          problems.map((problem) => `${problem.path}@${problem.line}`),
          expectation.refused,
        );
        return;
      }
      const parsed = parseExample(file, kind);
      assert.equal(parsed.kind, kind);
      assert.deepEqual(
        parsed.notes.map((note) => note.path),
        expectation.notes ?? [],
      );
      assert.deepEqual(
        parsed.localPaths.map((path) => path.value),
        expectation.local ?? [],
      );
      assert.deepEqual(
        parsed.remoteReferences.map((reference) => reference.value),
        expectation.remote ?? [],
      );
    });
  }

  it('points only at local files and folders that exist beside the example, or that are listed as not copied', () => {
    for (const [file, { kind, refused }] of Object.entries(expected)) {
      if (refused || kind === 'conda' || kind === 'data' || kind === 'model') continue;
      for (const local of parseExample(file, kind).localPaths) {
        const path = join(dirname(file), local.value);
        assert.ok(existsSync(join(root, path)) || notCopied.has(path), `${file}: ${local.value} is missing`);
      }
    }
  });

  it('reads the managed sample with every default filled in', () => {
    const { spec } = parseExample(`${sample}/blue-deployment.yml`, 'online-deployment');
    assert.deepEqual(spec, {
      name: 'blue',
      endpoint_name: 'my-endpoint',
      type: 'managed',
      model: { type: 'custom_model', path: '../../model-1/model/' },
      code_configuration: { code: '../../model-1/onlinescoring/', scoring_script: 'score.py' },
      environment: {
        image: 'mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04:latest',
        conda_file: '../../model-1/environment/conda.yaml',
      },
      instance_type: 'Standard_DS3_v2',
      instance_count: 1,
      request_settings: { request_timeout_ms: 5000, max_concurrent_requests_per_instance: 1, max_queue_wait_ms: 500 },
      liveness_probe: { initial_delay: 10, period: 10, timeout: 2, success_threshold: 1, failure_threshold: 30 },
      readiness_probe: { initial_delay: 10, period: 10, timeout: 2, success_threshold: 1, failure_threshold: 30 },
      scale_settings: { type: 'default' },
    });
  });

  it('reads an MLflow no-code deployment without code or environment', () => {
    const { spec } = parseExample(`${ncd}/sklearn-deployment.yaml`, 'online-deployment');
    assert.deepEqual((spec as Record<string, unknown>).model, {
      name: 'mir-sample-sklearn-ncd-model',
      version: '2',
      path: 'sklearn-diabetes/model',
      type: 'mlflow_model',
    });
    assert.equal((spec as Record<string, unknown>).code_configuration, undefined);
    assert.equal((spec as Record<string, unknown>).environment, undefined);
  });

  it('reads the top-level settings of the foundation-model example once --set names the endpoint and model, as its script does', () => {
    const file = 'cli/foundation-models/system/inference/fill-mask/batch-deploy.yml';
    const text = applySetOverrides(
      read(file),
      ['endpoint_name=fill-mask-batch', 'model=azureml://registries/azureml/models/bert-base-uncased/versions/3'],
      file,
    );
    const parsed = parseBatchDeployment(text, file);
    assert.deepEqual(parsed.spec.settings, {
      max_concurrency_per_instance: 2,
      mini_batch_size: 10,
      output_action: 'append_row',
      output_file_name: 'predictions.csv',
      retry_settings: { max_retries: 3, timeout: 300 },
      error_threshold: 0,
      logging_level: 'info',
    });
    assert.deepEqual(parsed.spec.resources, { instance_count: 1 });
    assert.deepEqual(
      parsed.notes.map((note) => note.path),
      ['error_threshold', 'logging_level', 'max_concurrency_per_instance', 'mini_batch_size', 'output_file_name', 'retry_settings'],
    );
  });
});
