import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isTrellisError, type Problem } from '../errors.js';
import { parseBatchEndpoint } from './parse-endpoint-file.js';

const batch = '$schema: https://azuremlschemas.azureedge.net/latest/batchEndpoint.schema.json';

function lines(...rows: string[]): string {
  return `${rows.join('\n')}\n`;
}

function problemsOf(text: string): Problem[] {
  try {
    parseBatchEndpoint(text, 'endpoint.yml');
  } catch (error) {
    assert.ok(isTrellisError(error) && error.code === 'InvalidInput', String(error));
    return error.problems;
  }
  return assert.fail('expected the file to be refused');
}

describe('batch endpoint schema', () => {
  it('reads aad_token, the only batch auth mode on Azure, as aml_token, with a note', () => {
    const parsed = parseBatchEndpoint(
      lines(batch, 'name: heart-batch', 'auth_mode: aad_token', 'defaults:', '  deployment_name: xgb-mlflow'),
      'e.yml',
    );
    assert.deepEqual(parsed.spec, { name: 'heart-batch', auth_mode: 'aml_token', defaults: { deployment_name: 'xgb-mlflow' } });
    assert.deepEqual(parsed.notes, [
      {
        path: 'auth_mode',
        line: 3,
        message: 'read as aml_token: Trellis has no Microsoft Entra ID; callers authenticate with a Trellis token',
      },
    ]);
  });

  it('defaults auth_mode to aml_token and takes key', () => {
    assert.equal(parseBatchEndpoint(lines(batch, 'name: heart-batch'), 'e.yml').spec.auth_mode, 'aml_token');
    assert.equal(parseBatchEndpoint(lines(batch, 'name: heart-batch', 'auth_mode: key'), 'e.yml').spec.auth_mode, 'key');
    assert.match(
      problemsOf(lines(batch, 'name: heart-batch', 'auth_mode: token'))[0]?.message ?? '',
      /must be aad_token, aml_token or key; got 'token'/,
    );
  });

  it('refuses a bad default deployment name and unknown fields', () => {
    const problems = problemsOf(lines(batch, 'name: heart-batch', 'defaults:', '  deployment_name: x', '  deployment: y'));
    assert.deepEqual(
      problems.map((problem) => `${problem.line}:${problem.path}`),
      ['4:defaults.deployment_name', '5:defaults.deployment'],
    );
    assert.match(problems[1]?.message ?? '', /did you mean 'deployment_name'\?/);
  });

  it('accepts and drops what az ml batch-endpoint show prints', () => {
    const parsed = parseBatchEndpoint(
      lines(batch, 'name: heart-batch', 'scoring_uri: https://x/jobs', 'provisioning_state: Succeeded'),
      'e.yml',
    );
    assert.deepEqual(parsed.spec, { name: 'heart-batch', auth_mode: 'aml_token' });
    assert.deepEqual(
      parsed.notes.map((note) => note.path),
      ['scoring_uri', 'provisioning_state'],
    );
  });
});
