import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { imageAllowed, packageSourcesOf, pipSources, qualifiedImage, sourceAllowed } from './job-settings.js';

describe('job settings from enforce-setting policies', () => {
  it("spells out Docker's implied registry", () => {
    assert.equal(qualifiedImage('python:3.11'), 'docker.io/library/python:3.11');
    assert.equal(qualifiedImage('team/app:1'), 'docker.io/team/app:1');
    assert.equal(qualifiedImage('mcr.microsoft.com/azureml/base:latest'), 'mcr.microsoft.com/azureml/base:latest');
    assert.equal(qualifiedImage('localhost:5000/app'), 'localhost:5000/app');
  });

  it('allows images from a registry, or a repository within one, and nothing that only starts alike', () => {
    const allowed = ['myregistry.azurecr.io', 'mcr.microsoft.com/azureml/'];
    assert.ok(imageAllowed('myregistry.azurecr.io/app:1', allowed));
    assert.ok(imageAllowed('MyRegistry.azurecr.io/app@sha256:abc', allowed));
    assert.ok(imageAllowed('mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04:latest', allowed));
    assert.ok(!imageAllowed('mcr.microsoft.com/other:1', allowed));
    assert.ok(!imageAllowed('myregistry.azurecr.io.evil.com/app:1', allowed));
    assert.ok(!imageAllowed('python:3.11', allowed));
    assert.ok(!imageAllowed('python:3.11', []));
  });

  it("reads conda channels (defaults when none) and pip's indexes (PyPI unless --index-url)", () => {
    assert.deepEqual(
      packageSourcesOf({
        conda_file: {
          channels: ['conda-forge'],
          dependencies: ['python=3.10', { pip: ['scikit-learn==1.5.2', '--extra-index-url https://extra.example.com/simple'] }],
        },
      }),
      ['conda-forge', 'https://pypi.org/simple', 'https://extra.example.com/simple'],
    );
    assert.deepEqual(packageSourcesOf({ conda_file: { dependencies: ['python=3.10'] } }), ['defaults']);
    assert.deepEqual(pipSources(['-i https://pypi.example.com/simple', 'numpy']), ['https://pypi.example.com/simple']);
    assert.deepEqual(pipSources(['--index-url=https://pypi.example.com/simple/', 'numpy']), ['https://pypi.example.com/simple/']);
    assert.deepEqual(pipSources([]), []);
    assert.deepEqual(packageSourcesOf({ image: 'python:3.11' }), []);
  });

  it('counts the pip index a conda package is built from here, and every link and URL pip fetches from', () => {
    // Conda packages become pip requirements locally (conda-to-pip), installed from the pip index.
    assert.deepEqual(packageSourcesOf({ conda_file: { channels: ['conda-forge'], dependencies: ['python=3.10', 'numpy=1.26'] } }), [
      'conda-forge',
      'https://pypi.org/simple',
    ]);
    assert.deepEqual(pipSources(['--find-links https://wheels.example.com/', '-f=/opt/wheels', 'numpy']), [
      'https://pypi.org/simple',
      'https://wheels.example.com/',
      '/opt/wheels',
    ]);
    assert.deepEqual(
      pipSources([
        'torch @ https://download.example.com/torch-2.1-cp311-linux_x86_64.whl ; python_version >= "3.9"',
        'git+https://github.com/example/tool.git@v1#egg=tool',
        '-e git+https://github.com/example/dev.git#egg=dev',
        'https://files.example.com/pkg-1.0-py3-none-any.whl',
      ]),
      [
        'https://download.example.com/torch-2.1-cp311-linux_x86_64.whl',
        'git+https://github.com/example/tool.git@v1',
        'git+https://github.com/example/dev.git',
        'https://files.example.com/pkg-1.0-py3-none-any.whl',
      ],
      'packages named by URL come from no index: the URLs are their sources',
    );
    assert.deepEqual(
      pipSources(['--index-url https://pypi.example.com/simple', '# a comment', '']),
      [],
      'an index with nothing to install is no source',
    );
  });

  it('compares sources without a trailing slash, ignoring case; conda channels by name or URL', () => {
    assert.ok(sourceAllowed('https://PyPI.example.com/simple/', ['https://pypi.example.com/simple']));
    assert.ok(sourceAllowed('https://conda.anaconda.org/conda-forge', ['conda-forge']));
    assert.ok(!sourceAllowed('https://pypi.org/simple', ['https://pypi.example.com/simple']));
  });
});
