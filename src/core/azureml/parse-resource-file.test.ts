import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isTrellisError, type Problem } from '../errors.js';
import { parseResourceFile } from './parse-resource-file.js';

const amlSchema = '$schema: https://azuremlschemas.azureedge.net/latest/amlCompute.schema.json';

function lines(...rows: string[]): string {
  return `${rows.join('\n')}\n`;
}

/** The problems of the InvalidInput error the file is refused with. */
function problemsOf(text: string, expectedKind?: Parameters<typeof parseResourceFile>[1]['expectedKind']): Problem[] {
  try {
    parseResourceFile(text, { fileName: 'resource.yml', ...(expectedKind ? { expectedKind } : {}) });
  } catch (error) {
    assert.ok(isTrellisError(error) && error.code === 'InvalidInput', String(error));
    assert.equal(error.status, 422);
    assert.match(error.message, /^resource\.yml has \d+ problems?/);
    return error.problems;
  }
  return assert.fail('expected the file to be refused');
}

function summary(problems: Problem[]): string[] {
  return problems.map((problem) => `${problem.line}:${problem.path}`);
}

describe('parseResourceFile: problems', () => {
  it('refuses an unknown field, suggesting the closest one', () => {
    const problems = problemsOf(lines(amlSchema, 'name: cpu', 'type: amlcompute', 'min_instance: 1'));
    assert.deepEqual(summary(problems), ['4:min_instance']);
    assert.match(problems[0]?.message ?? '', /unknown field 'min_instance'; did you mean 'min_instances'\?/);
  });

  it('lists the allowed fields when nothing is close', () => {
    const problems = problemsOf(
      lines('$schema: https://azuremlschemas.azureedge.net/latest/code.schema.json', 'name: src', 'path: ./src', 'colour: blue'),
    );
    assert.match(
      problems[0]?.message ?? '',
      /unknown field 'colour'; allowed fields here: \$schema, name, description, tags, version, auto_delete_setting, path, datastore/,
    );
  });

  it('refuses unknown fields inside nested mappings, at their own line', () => {
    const text = lines('name: env', 'build:', '  path: ./ctx', '  dockerfile: Dockerfile');
    const problems = problemsOf(text, 'environment');
    assert.deepEqual(summary(problems), ['4:build.dockerfile']);
    assert.match(problems[0]?.message ?? '', /did you mean 'dockerfile_path'/);
  });

  it('refuses a wrong type with its line', () => {
    const problems = problemsOf(lines(amlSchema, 'name: cpu', 'type: amlcompute', 'max_instances: 2', 'min_instances: "two"'));
    assert.deepEqual(summary(problems), ['5:min_instances']);
    assert.equal(problems[0]?.message, "expected a number, got the string 'two'");
  });

  it('refuses counts that are negative or fractional, and min above max', () => {
    assert.deepEqual(summary(problemsOf(lines(amlSchema, 'name: cpu', 'type: amlcompute', 'min_instances: -1'))), ['4:min_instances']);
    assert.match(problemsOf(lines(amlSchema, 'name: cpu', 'type: amlcompute', 'max_instances: 1.5'))[0]?.message ?? '', /whole number/);
    const problems = problemsOf(lines(amlSchema, 'name: cpu', 'type: amlcompute', 'min_instances: 3', 'max_instances: 2'));
    assert.deepEqual(summary(problems), ['4:min_instances']);
    assert.match(problems[0]?.message ?? '', /min_instances \(3\) is larger than max_instances \(2\)/);
  });

  it('refuses names with / or spaces', () => {
    for (const name of ['team/model', 'my model']) {
      const problems = problemsOf(
        lines('$schema: https://azuremlschemas.azureedge.net/latest/model.schema.json', `name: ${name}`, 'path: model.pkl'),
      );
      assert.deepEqual(summary(problems), ['2:name']);
      assert.match(problems[0]?.message ?? '', /not a valid name/);
    }
  });

  it('refuses a bad version and a missing name', () => {
    const problems = problemsOf(lines('type: uri_file', 'version: latest', 'path: a.csv'));
    assert.deepEqual(summary(problems), ['1:name', '2:version']);
    assert.equal(problems[0]?.message, 'is required');
  });

  it('reports malformed YAML with the line of each error', () => {
    const problems = problemsOf(lines('name: cpu', 'type: amlcompute', 'type: computeinstance'));
    assert.deepEqual(summary(problems), ['3:']);
    assert.match(problems[0]?.message ?? '', /duplicate key 'type'/);
  });

  it('refuses a file of another kind than expected', () => {
    const problems = problemsOf(
      lines('$schema: https://azuremlschemas.azureedge.net/latest/model.schema.json', 'name: m', 'path: m.pkl'),
      'data',
    );
    assert.deepEqual(summary(problems), ['1:$schema']);
    assert.match(
      problems[0]?.message ?? '',
      /describes a model \(told by \$schema\), but a data asset was expected; create it with trellis model create --file resource\.yml/,
    );
    const byType = problemsOf(lines('name: cpu', 'type: amlcompute'), 'model');
    assert.deepEqual(summary(byType), ['2:type']);
  });

  it('asks for $schema when the kind cannot be told', () => {
    const problems = problemsOf(lines('name: something', 'image: python:3.12'));
    assert.deepEqual(summary(problems), ['1:']);
    assert.match(problems[0]?.message ?? '', /add \$schema .* or create it with trellis <kind> create --file/);
  });

  it('names the Azure ML kind of a file it does not handle', () => {
    const problems = problemsOf(
      lines('$schema: https://azuremlschemas.azureedge.net/latest/commandJob.schema.json', 'command: python train.py'),
      'data',
    );
    assert.match(problems[0]?.message ?? '', /this file is a command job/);
  });

  it('collects every problem in one error, sorted by line', () => {
    const text = lines(
      amlSchema,
      'name: bad name',
      'type: amlcompute',
      'tier: gold',
      'min_instances: "two"',
      'colour: blue',
      'identity:',
      '  type: sometimes',
    );
    assert.deepEqual(summary(problemsOf(text)), ['2:name', '4:tier', '5:min_instances', '6:colour', '8:identity.type']);
  });

  it('refuses a compute type it does not know', () => {
    const problems = problemsOf(lines('name: c', 'type: databricks'), 'compute');
    assert.deepEqual(summary(problems), ['2:type']);
    assert.match(
      problems[0]?.message ?? '',
      /type must be one of amlcompute, computeinstance, kubernetes, virtualmachine, synapsespark, slurm/,
    );
  });

  it('enforces the environment rules Azure ML enforces', () => {
    assert.match(problemsOf(lines('name: env'), 'environment')[0]?.message ?? '', /needs image .* or build/);
    const both = problemsOf(lines('name: env', 'image: python:3.12', 'build:', '  path: ./ctx'), 'environment');
    assert.deepEqual(summary(both), ['3:build']);
    const condaWithBuild = problemsOf(lines('name: env', 'build:', '  path: ./ctx', 'conda_file: conda.yml'), 'environment');
    assert.deepEqual(summary(condaWithBuild), ['4:conda_file']);
    const remoteConda = problemsOf(lines('name: env', 'image: python:3.12', 'conda_file: https://example.com/conda.yml'), 'environment');
    assert.match(remoteConda[0]?.message ?? '', /must be a local file/);
  });

  it('requires path for data, code and model', () => {
    assert.deepEqual(summary(problemsOf(lines('name: d', 'type: uri_file'))), ['1:path']);
    assert.deepEqual(summary(problemsOf(lines('name: c'), 'code')), ['1:path']);
    assert.deepEqual(summary(problemsOf(lines('name: m', 'type: mlflow_model', 'path: ""'))), ['3:path']);
  });
});

describe('parseResourceFile: results', () => {
  it('applies defaults and keeps what the file says', () => {
    const parsed = parseResourceFile(lines('name: d', 'path: ./folder', 'version: 3', 'tags:', '  team: vision', '  stage: 2'), {
      fileName: 'd.yml',
      expectedKind: 'data',
    });
    assert.equal(parsed.kind, 'data');
    assert.equal(parsed.name, 'd');
    assert.equal(parsed.version, '3');
    assert.equal(parsed.description, null);
    assert.deepEqual(parsed.tags, { team: 'vision', stage: '2' });
    assert.deepEqual(parsed.spec, { type: 'uri_folder', path: './folder' });
  });

  it('keeps versions and tag values as written', () => {
    const parsed = parseResourceFile(
      lines('name: m', 'type: custom_model', 'path: m.pkl', 'version: 1.10', 'tags: {accuracy: 0.90, released: true}'),
      { fileName: 'm.yml' },
    );
    assert.equal(parsed.version, '1.10');
    assert.deepEqual(parsed.tags, { accuracy: '0.90', released: 'true' });
  });

  it('matches enums as Azure ML does and writes them canonically', () => {
    const parsed = parseResourceFile(lines('name: cpu', 'type: AmlCompute', 'tier: LowPriority', 'identity:', '  type: SystemAssigned'), {
      fileName: 'c.yml',
    });
    assert.equal(parsed.spec.type, 'amlcompute');
    assert.equal(parsed.spec.tier, 'low_priority');
    assert.deepEqual(parsed.spec.identity, { type: 'system_assigned' });
  });

  it('accepts the quoted numbers and booleans Azure ML accepts', () => {
    const parsed = parseResourceFile(lines('name: cpu', 'type: amlcompute', 'max_instances: "8"', 'enable_node_public_ip: "false"'), {
      fileName: 'c.yml',
    });
    assert.equal(parsed.spec.max_instances, 8);
    assert.equal(parsed.spec.enable_node_public_ip, false);
  });

  it('classifies remote paths as references and local ones as uploads', () => {
    const remote = parseResourceFile(lines('name: m', 'type: mlflow_model', 'path: azureml://jobs/run-1/outputs/artifacts/paths/model/'), {
      fileName: 'm.yml',
    });
    assert.deepEqual(remote.localPaths, []);
    assert.deepEqual(remote.remoteReferences, [
      { pointer: ['path'], value: 'azureml://jobs/run-1/outputs/artifacts/paths/model/', scheme: 'azureml', line: 3 },
    ]);
    const abfss = parseResourceFile(lines('name: d', 'type: uri_folder', 'path: abfss://fs@account.dfs.core.windows.net/folder'), {
      fileName: 'd.yml',
    });
    assert.equal(abfss.remoteReferences[0]?.scheme, 'abfss');
    const local = parseResourceFile(lines('name: c', 'path: ../src'), { fileName: 'c.yml', expectedKind: 'code' });
    assert.deepEqual(local.localPaths, [{ pointer: ['path'], value: '../src', line: 2, use: 'upload' }]);
  });

  it('takes an inline conda mapping as it is', () => {
    const parsed = parseResourceFile(lines('name: env', 'image: python:3.12', 'conda_file:', '  dependencies: [python=3.12]'), {
      fileName: 'e.yml',
      expectedKind: 'environment',
    });
    assert.deepEqual(parsed.spec.conda_file, { dependencies: ['python=3.12'] });
    assert.deepEqual(parsed.localPaths, []);
  });

  it('ignores read-only fields from az ml show output, with a note', () => {
    const parsed = parseResourceFile(
      lines(
        'name: m',
        'type: custom_model',
        'path: m.pkl',
        'id: azureml:/subscriptions/x/models/m/versions/1',
        'creation_context: {created_by: someone}',
      ),
      { fileName: 'm.yml' },
    );
    assert.deepEqual(parsed.spec, { type: 'custom_model', path: 'm.pkl' });
    assert.deepEqual(
      parsed.notes.map((note) => `${note.line}:${note.path}`),
      ['4:id', '5:creation_context'],
    );
    assert.match(parsed.notes[0]?.message ?? '', /^ignored: /);
  });

  it('notes Azure-only fields with their reason and line', () => {
    const parsed = parseResourceFile(lines('name: env', 'image: python:3.12', 'os_type: Linux', 'datastore: workspaceblobstore'), {
      fileName: 'e.yml',
      expectedKind: 'environment',
    });
    assert.equal(parsed.spec.os_type, 'linux');
    assert.deepEqual(
      parsed.notes.map((note) => `${note.line}:${note.path}`),
      ['3:os_type', '4:datastore'],
    );
    assert.match(parsed.notes[1]?.message ?? '', /^recorded, no local effect: the Azure datastore/);
  });

  it('parses the other compute types', () => {
    const kubernetes = parseResourceFile(lines('name: k8s', 'type: kubernetes', 'resource_id: /subscriptions/x/clusters/y'), {
      fileName: 'k.yml',
    });
    assert.deepEqual(kubernetes.spec, { type: 'kubernetes', resource_id: '/subscriptions/x/clusters/y', namespace: 'default' });
    const instance = parseResourceFile(
      lines('name: ci', 'type: computeinstance', 'idle_time_before_shutdown_minutes: 30', 'enable_sso: false'),
      { fileName: 'i.yml' },
    );
    assert.deepEqual(
      instance.notes.map((note) => note.path),
      ['idle_time_before_shutdown_minutes', 'enable_sso'],
    );
  });

  it('parses a project workspace and needs its hub', () => {
    const parsed = parseResourceFile(lines('name: proj', 'kind: project', 'hub_id: /subscriptions/x/workspaces/hub'), {
      fileName: 'w.yml',
    });
    assert.equal(parsed.kind, 'workspace');
    // A missing field is located at its parent: here the top of the file.
    assert.deepEqual(summary(problemsOf(lines('name: proj', 'kind: project'))), ['1:hub_id']);
  });
});
