import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { armTemplate, azureMlFile } from '../../../test/support/advisor-files.js';
import { normalizePath, readFileSet, relativeResolver, resolveRelative } from './file-set.js';
import { checkFiles, ruleById } from './static-rules.js';

describe('readFileSet', () => {
  it('reads a conda file another file names relative to its folder, and leaves it out as a resource', () => {
    const reading = readFileSet([
      { name: 'envs/env.yml', text: azureMlFile.environment({ conda_file: './conda/deps.yml' }) },
      { name: 'envs/conda/deps.yml', text: 'name: deps\ndependencies:\n  - python=3.11\n  - pip:\n    - numpy\n' },
    ]);
    assert.deepEqual(reading.checked, ['envs/env.yml']);
    assert.deepEqual(reading.skipped, [{ file: 'envs/conda/deps.yml', reason: 'the conda file of envs/env.yml, read with it' }]);
    const { findings } = checkFiles(reading.subjects, [ruleById('TRL-SEC-013')!]);
    assert.match(findings[0]?.message ?? '', /numpy/);
  });

  it('skips files that are neither Azure ML resources nor ARM templates, unless named explicitly', () => {
    const files = [
      { name: 'MLTable', text: 'paths:\n  - file: ./iris.csv\n' },
      {
        name: 'data/MLTable.yml',
        text: '$schema: https://azuremlschemas.azureedge.net/latest/MLTable.schema.json\npaths:\n  - file: ./a.csv\n',
      },
      { name: 'sample-request.json', text: '{"data": [[1, 2]]}' },
      { name: 'cpu.yml', text: azureMlFile.cluster() },
    ];
    const reading = readFileSet(files);
    assert.deepEqual(reading.checked, ['cpu.yml']);
    assert.deepEqual(
      reading.skipped.map((skip) => skip.file),
      ['MLTable', 'data/MLTable.yml', 'sample-request.json'],
    );
    assert.match(reading.skipped[1]!.reason, /an MLTable file/);
    assert.deepEqual(
      readFileSet(files, { explicit: new Set(['sample-request.json']) }).invalid.map((bad) => bad.file),
      ['sample-request.json'],
    );
  });

  it('reports an Azure ML file that is invalid with its problems, and reads ARM templates', () => {
    const reading = readFileSet([
      { name: 'bad.yml', text: 'name: cpu\ntype: amlcompute\nmin_instances: lots\n' },
      { name: 'azuredeploy.json', text: armTemplate({ type: 'Microsoft.MachineLearningServices/workspaces', name: 'ws', properties: {} }) },
    ]);
    assert.deepEqual(reading.checked, ['azuredeploy.json']);
    assert.equal(reading.invalid[0]?.file, 'bad.yml');
    assert.equal(reading.invalid[0]?.problems[0]?.path, 'min_instances');
  });
});

describe('paths', () => {
  it('normalizes and resolves relative paths with / separators', () => {
    assert.equal(normalizePath('a\\b/./c/../d'), 'a/b/d');
    assert.equal(resolveRelative('jobs/x/job.yml', '../../envs/conda.yml'), 'envs/conda.yml');
    assert.equal(resolveRelative('job.yml', './conda.yml'), 'conda.yml');
    assert.equal(resolveRelative('/abs/job.yml', 'conda.yml'), '/abs/conda.yml');
  });

  it('keeps a normal path as it is, and folds every other form', () => {
    const cases: Array<[string, string]> = [
      ['jobs/train.yml', 'jobs/train.yml'],
      ['/abs/.hidden/a..b/x', '/abs/.hidden/a..b/x'],
      ['./a', 'a'],
      ['a//b/', 'a/b'],
      ['../a/./b', '../a/b'],
      ['x/y/../../..', '..'],
      ['a/b/.', 'a/b'],
      ['/', '/'],
      ['.', ''],
    ];
    for (const [path, normal] of cases) assert.equal(normalizePath(path), normal, path);
  });

  it('resolves many files as resolveRelative does one by one, odd names included', () => {
    const files = [
      'jobs/a.yml',
      'jobs/b.yml',
      'job.yml',
      '/job.yml',
      '/abs/job.yml',
      'x/..',
      'x/y.yml',
      'a\\b.yml',
      'a//b/c.yml',
      './c.yml',
      'jobs/',
    ];
    const paths = ['conda.yml', './conda.yml', '../conda/env.yml', '../../up.yml', 'a/../b.yml'];
    const resolve = relativeResolver();
    // Twice over, so that the second answer of each comes from what the first found.
    for (const round of [1, 2])
      for (const file of files)
        for (const path of paths) assert.equal(resolve(file, path), resolveRelative(file, path), `${round}: ${file} + ${path}`);
  });
});
