import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Finding } from './advisor-rule.js';
import { subjectsFromFiles } from './file-subjects.js';
import { fileUri, sarifSchemaUri, toSarif } from './sarif.js';
import { checkFiles, staticRules } from './static-rules.js';

/*
 * The output was validated against the official SARIF 2.1.0 schema (oasis-tcs/sarif-spec,
 * sarif-2.1/schema/sarif-schema-2.1.0.json, the approved errata version) with Ajv while this was
 * written. The schema is not kept in this repository, so these tests assert the constraints of
 * that schema the output relies on: required properties, enums, minimums and URI forms.
 */

const { findings } = checkFiles(
  subjectsFromFiles([
    { name: 'configs/my cluster.yml', text: 'name: cpu\ntype: amlcompute\nmin_instances: 2\n' },
    {
      name: 'infra/main.json',
      text: JSON.stringify({ resources: [{ type: 'Microsoft.MachineLearningServices/workspaces', name: 'ws', properties: {} }] }, null, 2),
    },
  ]),
);

describe('toSarif', () => {
  const log = toSarif(staticRules, findings, { toolVersion: '0.1.0', informationUri: 'https://example.org/trellis/advisor' });
  const [run] = log.runs;

  it('is a SARIF 2.1.0 log with one run of trellis-advisor listing every rule', () => {
    assert.equal(log.version, '2.1.0');
    assert.equal(log.$schema, sarifSchemaUri);
    assert.equal(log.runs.length, 1);
    assert.deepEqual(
      { name: run!.tool.driver.name, version: run!.tool.driver.version, informationUri: run!.tool.driver.informationUri },
      { name: 'trellis-advisor', version: '0.1.0', informationUri: 'https://example.org/trellis/advisor' },
    );
    assert.deepEqual(
      run!.tool.driver.rules.map((rule) => rule.id),
      staticRules.map((rule) => rule.id),
    );
    // What JSON.stringify writes is the log: no undefined left in it.
    assert.deepEqual(JSON.parse(JSON.stringify(log)), log);
  });

  it('describes each rule with its title, why, fix, seed and level, and a security-severity for security rules', () => {
    const rule = run!.tool.driver.rules.find((candidate) => candidate.id === 'TRL-SEC-001')!;
    assert.equal(rule.name, 'WorkspaceAcceptsTrafficFromThePublicInternet');
    assert.equal(rule.shortDescription.text, 'Workspace accepts traffic from the public internet');
    assert.match(rule.fullDescription.text, /attack surface/);
    assert.match(rule.help.text, /^Set public_network_access: disabled/);
    assert.match(rule.help.markdown, /\(SE:06\)/);
    assert.equal(rule.helpUri, 'https://learn.microsoft.com/azure/well-architected/service-guides/azure-machine-learning');
    assert.deepEqual(rule.defaultConfiguration, { level: 'error' });
    assert.deepEqual(rule.properties.tags, ['well-architected', 'security']);
    assert.equal(rule.properties['security-severity'], '8.0');
    const costRule = run!.tool.driver.rules.find((candidate) => candidate.id === 'TRL-COST-002')!;
    assert.deepEqual([costRule.defaultConfiguration.level, costRule.properties['security-severity']], ['note', undefined]);
    for (const each of run!.tool.driver.rules) {
      assert.ok(each.shortDescription.text && each.fullDescription.text && each.help.text, each.id);
      assert.equal(new Set(each.properties.tags).size, each.properties.tags.length, `${each.id}: tags are unique`);
      assert.doesNotThrow(() => new URL(each.helpUri), each.id);
    }
  });

  it('makes each finding a result at its file and line, levelled by severity, pointing at its rule', () => {
    assert.equal(run!.results.length, findings.length);
    for (const [index, result] of run!.results.entries()) {
      const finding = findings[index]!;
      assert.equal(result.ruleId, finding.ruleId);
      assert.equal(run!.tool.driver.rules[result.ruleIndex!]!.id, finding.ruleId);
      assert.equal(result.level, { high: 'error', medium: 'warning', low: 'note' }[finding.severity]);
      assert.ok(result.message.text.endsWith(finding.message));
      assert.equal(result.properties.fix, finding.fix);
      const location = result.locations![0]!.physicalLocation;
      assert.ok(location.region.startLine >= 1);
      assert.ok(!/\s/.test(location.artifactLocation.uri), location.artifactLocation.uri);
    }
    const scaleToZero = run!.results.find((result) => result.ruleId === 'TRL-COST-001')!;
    assert.deepEqual(scaleToZero.locations, [
      {
        physicalLocation: { artifactLocation: { uri: 'configs/my%20cluster.yml' }, region: { startLine: 3 } },
        logicalLocations: [{ name: 'cpu', kind: 'resource', fullyQualifiedName: 'cpu/min_instances' }],
      },
    ]);
    assert.equal(scaleToZero.message.text, 'compute cpu: min_instances is 2: 2 nodes stay allocated when no job runs');
  });

  it('leaves out the location of a finding with no file, and the rule index of a rule not listed', () => {
    const live: Finding = { ...findings[0]!, ruleId: 'TRL-OPS-101', resource: { kind: 'online-deployment', name: 'ep/blue' } };
    const [result] = toSarif(staticRules, [live]).runs[0]!.results;
    assert.equal(result!.locations, undefined);
    assert.equal(result!.ruleIndex, undefined);
    assert.equal(toSarif([], []).runs[0]!.tool.driver.informationUri, undefined);
  });
});

describe('fileUri', () => {
  it('keeps relative paths relative with forward slashes, makes absolute ones file URIs, and percent-encodes', () => {
    assert.equal(fileUri('./infra/main.json'), 'infra/main.json');
    assert.equal(fileUri('infra\\ml #1\\main.json'), 'infra/ml%20%231/main.json');
    assert.equal(fileUri('/home/me/ws.yml'), 'file:///home/me/ws.yml');
    assert.equal(fileUri('C:\\repo\\ws.yml'), 'file:///C:/repo/ws.yml');
  });
});
