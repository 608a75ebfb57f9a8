import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { isTrellisError, type Problem } from '../errors.js';
import type { ResourceKind } from '../resources/kinds.js';
import { parseResourceFile } from './parse-resource-file.js';

// The Azure ML examples, kept verbatim (see test/fixtures/azureml-examples/NOTICE.md).
const root = fileURLToPath(new URL('../../../test/fixtures/azureml-examples/', import.meta.url));
const folders: Record<string, ResourceKind> = {
  'cli/assets/data': 'data',
  'cli/assets/environment': 'environment',
  'cli/assets/model': 'model',
  'cli/resources/compute': 'compute',
  'cli/resources/workspace': 'workspace',
};

interface Expected {
  /** Paths of the notes, in file order. */
  notes?: string[];
  local?: string[];
  remote?: string[];
  /** The file is refused with exactly these problems (path @ line). */
  refused?: string[];
}

const expected: Record<string, Expected> = {
  'cli/assets/data/azure-sql-import.yml': { refused: ['$schema@1'] },
  'cli/assets/data/cloud-file-https.yml': { remote: ['https'] },
  'cli/assets/data/cloud-file-wasbs.yml': { remote: ['wasbs'] },
  'cli/assets/data/cloud-file.yml': { remote: ['azureml'] },
  'cli/assets/data/cloud-folder-https.yml': { remote: ['https'] },
  'cli/assets/data/cloud-folder-wasbs.yml': { remote: ['wasbs'] },
  'cli/assets/data/cloud-folder.yml': { remote: ['azureml'] },
  'cli/assets/data/cloud-mltable.yml': { remote: ['azureml'] },
  'cli/assets/data/data_import_schedule_database_inline.yml': { refused: ['$schema@1'] },
  'cli/assets/data/iris-csv-example.yml': { remote: ['azureml'] },
  'cli/assets/data/local-file.yml': { local: ['sample-data/titanic.csv'] },
  'cli/assets/data/local-folder-sampledata.yml': { local: ['example-data/'] },
  'cli/assets/data/local-folder.yml': { local: ['sample-data/'] },
  'cli/assets/data/local-mltable.yml': { local: ['./local-mltable'] },
  'cli/assets/data/public-file-https.yml': { remote: ['https'] },
  'cli/assets/data/s3-import.yml': { refused: ['$schema@1'] },
  'cli/assets/data/simple_import_schedule.yml': { refused: ['$schema@1'] },
  'cli/assets/data/snowflake-import-managed.yml': { refused: ['$schema@1'] },
  'cli/assets/data/snowflake-import.yml': { refused: ['$schema@1'] },
  'cli/assets/environment/docker-context.yml': { local: ['docker-contexts/python-and-pip'] },
  'cli/assets/environment/docker-image-plus-conda.yaml': { local: ['conda-yamls/pydata.yml'] },
  'cli/assets/environment/docker-image.yml': {},
  'cli/assets/model/local-file.yml': { local: ['mlflow-model/model.pkl'] },
  'cli/assets/model/local-mlflow.yml': { local: ['mlflow-model'] },
  // The attached-spark examples keep the placeholder <ATTACHED_SPARK_POOL_NAME>, which is not a valid name.
  'cli/resources/compute/attached-spark-system-identity.yml': { refused: ['name@2'] },
  'cli/resources/compute/attached-spark-user-identity.yml': { refused: ['name@2'] },
  'cli/resources/compute/attached-spark.yml': { refused: ['name@2'] },
  'cli/resources/compute/cluster-basic.yml': {},
  'cli/resources/compute/cluster-location.yml': { notes: ['location'] },
  'cli/resources/compute/cluster-low-priority.yml': {},
  'cli/resources/compute/cluster-minimal.yml': {},
  'cli/resources/compute/cluster-ssh-password.yml': { notes: ['ssh_settings', 'ssh_settings.admin_password'] },
  'cli/resources/compute/cluster-system-identity.yml': { notes: ['identity'] },
  'cli/resources/compute/cluster-user-identity.yml': { notes: ['identity'] },
  'cli/resources/compute/instance-basic.yml': {},
  'cli/resources/compute/instance-minimal.yml': {},
  'cli/resources/compute/instance-schedule.yml': { notes: ['schedules'] },
  'cli/resources/compute/vm-attach.yml': { notes: ['type', 'resource_id', 'ssh_settings', 'ssh_settings.admin_password'] },
  'cli/resources/workspace/basic.yml': { notes: ['location', 'hbi_workspace'] },
  'cli/resources/workspace/cmk.yml': { notes: ['location', 'customer_managed_key'] },
  'cli/resources/workspace/hbi.yml': { notes: ['location', 'hbi_workspace'] },
  'cli/resources/workspace/mvnet-allow-internet-outbound.yml': { notes: ['managed_network'] },
  'cli/resources/workspace/mvnet-allow-only-approved-outbound.yml': { notes: ['managed_network'] },
  'cli/resources/workspace/privatelink.yml': { notes: ['location', 'image_build_compute', 'public_network_access'] },
  'cli/resources/workspace/with-existing-resources.yml': {
    notes: ['location', 'storage_account', 'container_registry', 'key_vault', 'application_insights'],
  },
};

/** The resource files: YAML files at the top of each folder (subfolders hold the content they point to). */
function resourceFiles(): { file: string; kind: ResourceKind }[] {
  return Object.entries(folders).flatMap(([folder, kind]) =>
    readdirSync(join(root, folder), { withFileTypes: true })
      .filter((entry) => entry.isFile() && /\.ya?ml$/.test(entry.name))
      .map((entry) => ({ file: `${folder}/${entry.name}`, kind })),
  );
}

/** The problems of the InvalidInput error that `run` throws. */
function problemsOf(run: () => unknown): Problem[] {
  try {
    run();
  } catch (error) {
    assert.ok(isTrellisError(error) && error.code === 'InvalidInput', String(error));
    return error.problems;
  }
  return assert.fail('expected an InvalidInput error');
}

function read(file: string): string {
  return readFileSync(join(root, file), 'utf8');
}

describe('Azure ML example files', () => {
  it('has an expectation for every example file, and a file for every expectation', () => {
    assert.deepEqual(
      resourceFiles()
        .map(({ file }) => file)
        .sort(),
      Object.keys(expected).sort(),
    );
  });

  for (const { file, kind } of resourceFiles()) {
    const expectation = expected[file] ?? {};
    it(`${file} ${expectation.refused ? 'is refused with a clear problem' : `parses as ${kind}`}`, () => {
      if (expectation.refused) {
        const problems = problemsOf(() => parseResourceFile(read(file), { fileName: file, expectedKind: kind }));
        assert.deepEqual(
          problems.map((p) => `${p.path}@${p.line}`),
          expectation.refused,
        );
        return;
      }
      // Parsing without the expected kind checks that $schema or type alone tells the kind
      // (the managed-network workspace examples have neither).
      const detectable = !file.includes('/mvnet-');
      const parsed = parseResourceFile(read(file), { fileName: file, ...(detectable ? {} : { expectedKind: kind }) });
      assert.equal(parsed.kind, kind);
      assert.equal(parsed.version, null);
      assert.deepEqual(
        parsed.notes.map((note) => note.path),
        expectation.notes ?? [],
      );
      for (const note of parsed.notes) assert.match(note.message, /^(recorded, no local effect: |secret not stored: )/);
      assert.deepEqual(
        parsed.localPaths.map((path) => path.value),
        expectation.local ?? [],
      );
      assert.deepEqual(
        parsed.remoteReferences.map((reference) => reference.scheme),
        expectation.remote ?? [],
      );
    });
  }

  it('points only at local files and folders that exist beside the example', () => {
    for (const { file } of resourceFiles().filter(({ file }) => !expected[file]?.refused)) {
      for (const local of parseResourceFile(read(file), { fileName: file, expectedKind: folders[dirname(file)] }).localPaths) {
        assert.ok(existsSync(join(root, dirname(file), local.value)), `${file}: ${local.value} is missing`);
      }
    }
  });

  it('parses the attached Synapse Spark examples once the placeholder name is filled in', () => {
    for (const file of ['attached-spark.yml', 'attached-spark-system-identity.yml', 'attached-spark-user-identity.yml']) {
      const text = read(`cli/resources/compute/${file}`).replace('<ATTACHED_SPARK_POOL_NAME>', 'spark-pool');
      const parsed = parseResourceFile(text, { fileName: file, expectedKind: 'compute' });
      assert.equal(parsed.spec.type, 'synapsespark');
      const notes = parsed.notes.map((note) => note.path);
      assert.deepEqual(notes.slice(0, 2), ['type', 'resource_id']);
      assert.equal(notes.includes('identity'), file !== 'attached-spark.yml');
    }
  });

  it('applies the Azure defaults to the minimal examples', () => {
    const cluster = parseResourceFile(read('cli/resources/compute/cluster-minimal.yml'), { fileName: 'cluster-minimal.yml' });
    assert.deepEqual(cluster.spec, {
      type: 'amlcompute',
      size: 'STANDARD_DS3_V2',
      tier: 'dedicated',
      min_instances: 0,
      max_instances: 4,
      idle_time_before_scale_down: 120,
    });
    const model = parseResourceFile(read('cli/assets/model/local-file.yml'), { fileName: 'local-file.yml' });
    assert.deepEqual(model.spec, { type: 'custom_model', path: 'mlflow-model/model.pkl' });
    const environment = parseResourceFile(read('cli/assets/environment/docker-context.yml'), { fileName: 'docker-context.yml' });
    assert.deepEqual(environment.spec, { build: { path: 'docker-contexts/python-and-pip', dockerfile_path: 'Dockerfile' } });
    assert.deepEqual(environment.localPaths, [
      { pointer: ['build', 'path'], value: 'docker-contexts/python-and-pip', line: 4, use: 'upload' },
    ]);
  });

  it('marks a conda_file path to be inlined', () => {
    const parsed = parseResourceFile(read('cli/assets/environment/docker-image-plus-conda.yaml'), { fileName: 'env.yaml' });
    assert.deepEqual(parsed.localPaths, [{ pointer: ['conda_file'], value: 'conda-yamls/pydata.yml', line: 4, use: 'inline-yaml' }]);
  });

  it('explains that a conda file is not an environment file', () => {
    const problems = problemsOf(() =>
      parseResourceFile(read('cli/assets/environment/conda-yamls/pydata.yml'), { fileName: 'pydata.yml', expectedKind: 'environment' }),
    );
    const channels = problems.find((p) => p.path === 'channels');
    assert.equal(channels?.line, 2);
    assert.match(channels?.message ?? '', /belongs in a conda file/);
  });
});
