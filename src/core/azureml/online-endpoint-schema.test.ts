import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isTrellisError, type Problem } from '../errors.js';
import { onlineEndpointSchema } from './online-endpoint-schema.js';
import { parseOnlineEndpoint } from './parse-endpoint-file.js';

const managed = '$schema: https://azuremlschemas.azureedge.net/latest/managedOnlineEndpoint.schema.json';

function lines(...rows: string[]): string {
  return `${rows.join('\n')}\n`;
}

function problemsOf(text: string): Problem[] {
  try {
    parseOnlineEndpoint(text, 'endpoint.yml');
  } catch (error) {
    assert.ok(isTrellisError(error) && error.code === 'InvalidInput', String(error));
    return error.problems;
  }
  return assert.fail('expected the file to be refused');
}

/** `line:path message` of each problem. */
function summary(problems: Problem[]): string[] {
  return problems.map((problem) => `${problem.line}:${problem.path} ${problem.message}`);
}

describe('online endpoint schema', () => {
  it('defaults auth_mode to key and keeps a traffic split that adds up to 100', () => {
    const parsed = parseOnlineEndpoint(lines(managed, 'name: my-endpoint', 'traffic:', '  blue: 90', '  green: 10'), 'endpoint.yml');
    assert.equal(parsed.kind, 'online-endpoint');
    assert.deepEqual(parsed.spec, { name: 'my-endpoint', auth_mode: 'key', traffic: { blue: 90, green: 10 } });
  });

  it('accepts no traffic, and traffic of 0 for every deployment', () => {
    assert.deepEqual(parseOnlineEndpoint(lines('name: ep1', 'auth_mode: aml_token', 'traffic: {}'), 'e.yml').spec.traffic, {});
    assert.deepEqual(parseOnlineEndpoint(lines('name: ep1', 'traffic: {blue: 0, green: 0}'), 'e.yml').spec.traffic, { blue: 0, green: 0 });
  });

  it('refuses traffic that does not add up to 100, naming traffic', () => {
    assert.deepEqual(summary(problemsOf(lines(managed, 'name: my-endpoint', 'traffic:', '  blue: 80', '  green: 10'))), [
      '3:traffic traffic must add up to 100 (or be 0 for every deployment, to send none); these add up to 90',
    ]);
  });

  it('refuses a traffic share outside 0..100, or not a whole number', () => {
    assert.deepEqual(summary(problemsOf(lines('name: ep1', 'traffic:', '  blue: 120'))), ['3:traffic.blue must be at most 100']);
    assert.deepEqual(summary(problemsOf(lines('name: ep1', 'traffic:', '  blue: 99.5', '  green: 0.5'))), [
      '3:traffic.blue must be a whole number',
      '4:traffic.green must be a whole number',
    ]);
  });

  it('takes one mirrored deployment, at most 50 percent, that gets no live traffic', () => {
    const parsed = parseOnlineEndpoint(lines('name: ep1', 'traffic: {blue: 100, green: 0}', 'mirror_traffic: {green: 20}'), 'e.yml');
    assert.deepEqual(parsed.spec.mirror_traffic, { green: 20 });
    assert.deepEqual(summary(problemsOf(lines('name: ep1', 'mirror_traffic:', '  green: 60'))), [
      '3:mirror_traffic.green must be at most 50',
    ]);
    assert.deepEqual(summary(problemsOf(lines('name: ep1', 'mirror_traffic:', '  green: 10', '  red: 10'))), [
      '2:mirror_traffic mirror_traffic may name one deployment; it names 2 (green, red)',
    ]);
    assert.match(
      summary(problemsOf(lines('name: ep1', 'traffic: {blue: 100}', 'mirror_traffic:', '  blue: 10')))[0] ?? '',
      /^4:mirror_traffic\.blue deployment 'blue' takes live traffic \(100%\)/,
    );
  });

  it('refuses aad_token with the reason, and other auth modes', () => {
    assert.deepEqual(summary(problemsOf(lines('name: ep1', 'auth_mode: aad_token'))), [
      '2:auth_mode aad_token (Microsoft Entra ID tokens) is not available: Trellis has no Entra ID; use key (the default) or aml_token',
    ]);
    assert.deepEqual(summary(problemsOf(lines('name: ep1', 'auth_mode: none'))), ["2:auth_mode must be key or aml_token; got 'none'"]);
    // Azure's casing (Key, AMLToken) is read as Azure reads it.
    assert.equal(parseOnlineEndpoint(lines('name: ep1', 'auth_mode: Key'), 'e.yml').spec.auth_mode, 'key');
    assert.equal(parseOnlineEndpoint(lines('name: ep1', 'auth_mode: AMLToken'), 'e.yml').spec.auth_mode, 'aml_token');
  });

  it('refuses an unknown field, suggesting the closest one', () => {
    assert.deepEqual(summary(problemsOf(lines('name: ep1', 'trafic: {blue: 100}'))), [
      "2:trafic unknown field 'trafic'; did you mean 'traffic'?",
    ]);
  });

  it("refuses names that break Azure's rule for endpoints and deployments", () => {
    assert.match(
      summary(problemsOf(lines('name: my_endpoint')))[0] ?? '',
      /^1:name 'my_endpoint' is not a valid endpoint name: use 3 to 32 letters, digits or '-'/,
    );
    assert.match(summary(problemsOf(lines('name: ep')))[0] ?? '', /'ep' is not a valid endpoint name/);
    assert.match(
      summary(problemsOf(lines('name: ep1', 'traffic: {blue_1: 100}')))[0] ?? '',
      /^2:traffic\.blue_1 'blue_1' is not a valid deployment name/,
    );
  });

  it('accepts and drops the fields az ml online-endpoint show prints, with a note for each', () => {
    const shown = lines(
      'name: my-endpoint',
      'auth_mode: key',
      'id: /subscriptions/x/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/ws/onlineEndpoints/my-endpoint',
      'kind: Managed',
      'location: eastus',
      'provisioning_state: Succeeded',
      'scoring_uri: https://my-endpoint.eastus.inference.ml.azure.com/score',
      'openapi_uri: https://my-endpoint.eastus.inference.ml.azure.com/swagger.json',
      'resourceGroup: rg',
      'public_network_access: Enabled',
      'identity: {type: system_assigned}',
      'traffic: {blue: 100}',
    );
    const parsed = parseOnlineEndpoint(shown, 'shown.yml');
    assert.deepEqual(parsed.spec, {
      name: 'my-endpoint',
      auth_mode: 'key',
      public_network_access: 'enabled',
      identity: { type: 'system_assigned' },
      traffic: { blue: 100 },
    });
    assert.deepEqual(
      parsed.notes.map((note) => `${note.line}:${note.path}`),
      [
        '3:id',
        '4:kind',
        '5:location',
        '6:provisioning_state',
        '7:scoring_uri',
        '8:openapi_uri',
        '9:resourceGroup',
        '10:public_network_access',
        '11:identity',
      ],
    );
    assert.match(parsed.notes[0]?.message ?? '', /^ignored: Azure ML fills this field in/);
    assert.match(parsed.notes.at(-1)?.message ?? '', /^recorded, no local effect: /);
  });

  it('makes a file with compute a Kubernetes endpoint, and asks a kubernetesOnlineEndpoint file for one', () => {
    const kubernetes = '$schema: https://azuremlschemas.azureedge.net/latest/kubernetesOnlineEndpoint.schema.json';
    assert.equal(parseOnlineEndpoint(lines(kubernetes, 'name: ep1', 'compute: azureml:k8s'), 'e.yml').spec.compute, 'azureml:k8s');
    assert.match(summary(problemsOf(lines(kubernetes, 'name: ep1')))[0] ?? '', /^1:compute a Kubernetes online endpoint needs compute/);
  });

  it('reports every problem at once when used on its own', () => {
    const result = onlineEndpointSchema.safeParse({ name: 'x', auth_mode: 'aad_token', traffic: { blue: 50 }, colour: 'red' });
    assert.ok(!result.success);
    assert.deepEqual(result.error.issues.map((issue) => issue.path.join('.')).sort(), ['auth_mode', 'colour', 'name', 'traffic']);
  });
});
