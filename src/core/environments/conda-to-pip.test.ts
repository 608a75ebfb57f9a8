import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isTrellisError } from '../errors.js';
import { condaToPip } from './conda-to-pip.js';

describe('condaToPip', () => {
  it('translates the azureml-examples pydata conda file', () => {
    const result = condaToPip({
      name: 'pydata-example',
      channels: ['conda-forge'],
      dependencies: ['python=3.8', 'pip=21.2.4', { pip: ['numpy==1.22', 'scipy==1.7.1', 'mlflow==1.20.2'] }],
    });
    assert.equal(result.pythonVersion, '3.8');
    assert.deepEqual(result.pipRequirements, ['mlflow==1.20.2', 'numpy==1.22', 'scipy==1.7.1']);
    assert.ok(result.notes.some((note) => note.startsWith('pip=21.2.4: skipped')));
    assert.ok(result.notes.some((note) => note.includes('channels (conda-forge)')));
  });

  it("turns conda's single = into a prefix match and keeps == and ranges", () => {
    const result = condaToPip({
      dependencies: [
        'scikit-learn=1.0.2',
        'pandas==1.3.0',
        'numpy>=1.21',
        'scipy 1.7.*',
        'joblib=1.2*',
        'tqdm',
        'click=*',
        'six >= 1.10, <2',
      ],
    });
    assert.deepEqual(result.pipRequirements, [
      'click',
      'joblib==1.2.*',
      'numpy>=1.21',
      'pandas==1.3.0',
      'scikit-learn==1.0.2.*',
      'scipy==1.7.*',
      'six>=1.10,<2',
      'tqdm',
    ]);
    assert.deepEqual(result.notes, []);
  });

  it('drops build strings and channel prefixes with a note', () => {
    const result = condaToPip({ dependencies: ['numpy=1.21.2=py39h20f2e39_0', 'conda-forge::lightgbm=3.3.5', 'pandas 1.3.5 py39_0'] });
    assert.deepEqual(result.pipRequirements, ['lightgbm==3.3.5.*', 'numpy==1.21.2.*', 'pandas==1.3.5.*']);
    assert.equal(result.notes.length, 3);
    assert.match(result.notes[0] ?? '', /build string 'py39h20f2e39_0' dropped/);
    assert.match(result.notes[1] ?? '', /channel 'conda-forge' dropped/);
    assert.match(result.notes[2] ?? '', /build string 'py39_0' dropped/);
  });

  it('constrains an unpinned numpy beside a package pinned to a release built for numpy 1', () => {
    const result = condaToPip({
      dependencies: ['python=3.10', 'scikit-learn=1.2.2', 'numpy', 'pandas', { pip: ['joblib', 'azureml-inference-server-http'] }],
    });
    assert.deepEqual(result.pipRequirements, ['azureml-inference-server-http', 'joblib', 'numpy<2', 'pandas', 'scikit-learn==1.2.2.*']);
    assert.ok(
      result.notes.some((note) => /scikit-learn==1\.2\.2\.\* was built for numpy 1 .* added numpy<2/.test(note)),
      result.notes.join('\n'),
    );
    assert.ok(!condaToPip({ dependencies: ['numpy=2.3.1', 'scikit-learn=1.7.0'] }).pipRequirements.includes('numpy<2'));
  });

  it('renames conda packages published under another name on PyPI, and skips non-Python ones', () => {
    const result = condaToPip({
      channels: ['pytorch', 'nvidia'],
      dependencies: [
        'pytorch=2.1.0',
        'pytorch-cuda=12.1',
        'cudatoolkit=11.3',
        'py-xgboost=1.7',
        'tensorflow-gpu==2.10.0',
        'mkl',
        'libgcc-ng',
        'r-base',
        'setuptools',
        'wheel',
      ],
    });
    // numpy<2: these releases were built for numpy 1, and pip would otherwise take numpy 2 as their dependency.
    assert.deepEqual(result.pipRequirements, ['numpy<2', 'tensorflow==2.10.0', 'torch==2.1.0.*', 'xgboost==1.7.*']);
    const about = (name: string) => result.notes.filter((note) => note.startsWith(name));
    assert.match(about('pytorch=2.1.0')[0] ?? '', /installed as torch/);
    assert.match(about('pytorch-cuda')[0] ?? '', /skipped, CUDA/);
    assert.match(about('tensorflow-gpu')[0] ?? '', /installed as tensorflow/);
    assert.match(about('r-base')[0] ?? '', /R package/);
    assert.equal(about('wheel').length, 1);
  });

  it('reads the requested Python from the python dependency', () => {
    assert.equal(condaToPip({ dependencies: ['python==3.8.13'] }).pythonVersion, '3.8.13');
    assert.equal(condaToPip({ dependencies: ['python 3.10.*'] }).pythonVersion, '3.10');
    assert.equal(condaToPip({ dependencies: ['python'] }).pythonVersion, null);
    assert.equal(condaToPip({ dependencies: [] }).pythonVersion, null);
    const range = condaToPip({ dependencies: ['python>=3.9'] });
    assert.equal(range.pythonVersion, '3.9');
    assert.match(range.notes[0] ?? '', /a range/);
    const withBuild = condaToPip({ dependencies: ['python=3.7.11=h12debd9_0'] });
    assert.equal(withBuild.pythonVersion, '3.7.11');
  });

  it('passes pip lines through; the pip section wins over conda for the same package', () => {
    const result = condaToPip({
      dependencies: [
        'numpy=1.21',
        'Scikit_Learn',
        {
          pip: [
            'numpy==1.22.4',
            'azureml-mlflow',
            'scikit-learn>=1.0 ; python_version>"3.7"',
            'git+https://github.com/org/repo@v1#egg=repo',
          ],
        },
      ],
    });
    assert.deepEqual(result.pipRequirements, [
      'azureml-mlflow',
      'git+https://github.com/org/repo@v1#egg=repo',
      'numpy==1.22.4',
      'scikit-learn>=1.0 ; python_version>"3.7"',
    ]);
    assert.equal(result.notes.length, 2);
    assert.match(result.notes[0] ?? '', /^numpy=1.21: left to the pip section/);
  });

  it('keeps pip options first with a note, and drops -r/-c file references', () => {
    const result = condaToPip({
      dependencies: [
        { pip: ['--extra-index-url https://example.com/simple', 'six', '-r requirements.txt', '--index-url https://pypi.example/simple'] },
      ],
    });
    assert.deepEqual(result.pipRequirements, [
      '--extra-index-url https://example.com/simple',
      '--index-url https://pypi.example/simple',
      'six',
    ]);
    assert.equal(result.notes.filter((note) => note.includes('passed to pip as written')).length, 2);
    assert.ok(result.notes.some((note) => note.includes("'-r requirements.txt' dropped")));
  });

  it('deduplicates and sorts by project name', () => {
    const result = condaToPip({ dependencies: ['b', { pip: ['a==1', 'a==1', 'C>2'] }] });
    assert.deepEqual(result.pipRequirements, ['a==1', 'b', 'C>2']);
  });

  it("cannot express conda's | in pip: keeps the package without a version", () => {
    const result = condaToPip({ dependencies: ['numpy 1.21|1.22'] });
    assert.deepEqual(result.pipRequirements, ['numpy']);
    assert.match(result.notes[0] ?? '', /'\|'/);
  });

  it('reads the bracket form of a match spec', () => {
    assert.deepEqual(condaToPip({ dependencies: ["numpy[version='>=1.21,<2',build=py39_0]"] }).pipRequirements, ['numpy>=1.21,<2']);
  });

  it('refuses a conda file whose dependencies are not a list, naming the field', () => {
    assert.throws(
      () => condaToPip({ dependencies: 'numpy' }),
      (error: unknown) => isTrellisError(error) && error.status === 422 && error.problems[0]?.path === 'conda_file.dependencies',
    );
  });
});
