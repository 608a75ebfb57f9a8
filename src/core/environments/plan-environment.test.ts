import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isTrellisError } from '../errors.js';
import { resolveCuratedEnvironment } from './curated.js';
import { planEnvironment, type EnvironmentPlan, type VenvPlan } from './plan-environment.js';
import type { PythonInterpreter } from './python-interpreter.js';

const interpreters: PythonInterpreter[] = [
  { path: '/usr/bin/python3', version: '3.11.7' },
  { path: '/opt/py39/bin/python3', version: '3.9.18' },
];

function venv(plan: EnvironmentPlan): VenvPlan {
  assert.equal(plan.kind, 'venv');
  return plan as VenvPlan;
}

describe('planEnvironment', () => {
  it('runs an image-only environment on the host, saying the image applies to Kubernetes only', () => {
    const plan = planEnvironment({ image: 'library/python:latest' }, { interpreters });
    assert.equal(plan.kind, 'host');
    assert.match(plan.notes[0] ?? '', /image 'library\/python:latest' is honoured by the Kubernetes backend only/);
  });

  it('runs a build-context environment on the host too', () => {
    const plan = planEnvironment({ build: { path: './docker-context' } }, { interpreters });
    assert.equal(plan.kind, 'host');
    assert.match(plan.notes[0] ?? '', /Dockerfile/);
  });

  it('builds a venv from a conda file on the nearest Python, with the notes in order', () => {
    const plan = venv(
      planEnvironment(
        {
          image: 'mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu20.04',
          conda_file: { dependencies: ['python=3.8', 'pip', { pip: ['six==1.16.0'] }] },
        },
        { interpreters },
      ),
    );
    assert.equal(plan.pythonVersion, '3.9');
    assert.equal(plan.python.path, '/opt/py39/bin/python3');
    assert.deepEqual(plan.pipRequirements, ['six==1.16.0']);
    assert.match(plan.specHash, /^[0-9a-f]{64}$/);
    assert.match(plan.notes[0] ?? '', /^image '.*' is honoured by the Kubernetes backend only/);
    assert.match(plan.notes[1] ?? '', /^python 3.8 was requested/);
    assert.match(plan.notes[2] ?? '', /^pip: skipped/);
  });

  it('keys the venv by what determines it: same packages in another order or patch → same hash', () => {
    const hash = (conda: Record<string, unknown>) => venv(planEnvironment({ image: 'x', conda_file: conda }, { interpreters })).specHash;
    const base = hash({ dependencies: ['python=3.11', { pip: ['a==1', 'b==2'] }] });
    assert.equal(hash({ name: 'other', channels: ['conda-forge'], dependencies: ['python=3.11.2', { pip: ['b==2', 'a==1'] }] }), base);
    assert.notEqual(hash({ dependencies: ['python=3.11', { pip: ['a==1', 'b==3'] }] }), base);
    assert.notEqual(hash({ dependencies: ['python=3.9', { pip: ['a==1', 'b==2'] }] }), base);
  });

  it('plans the curated environments', () => {
    const sklearn = resolveCuratedEnvironment('azureml:AzureML-sklearn-1.0-ubuntu20.04-py38-cpu@latest');
    assert.ok(sklearn);
    const plan = venv(planEnvironment(sklearn.spec, { interpreters }));
    assert.equal(plan.pythonVersion, '3.11');
    assert.ok(plan.pipRequirements.some((line) => line.startsWith('scikit-learn==')));
    const node = resolveCuratedEnvironment('trellis-node');
    assert.ok(node);
    assert.deepEqual(planEnvironment(node.spec, { interpreters: [] }), { kind: 'node', notes: [] });
  });

  it('refuses a conda_file that was never inlined', () => {
    assert.throws(
      () => planEnvironment({ image: 'x', conda_file: 'conda.yml' }, { interpreters }),
      (error: unknown) => isTrellisError(error) && error.code === 'CondaFileNotInlined',
    );
  });
});
