import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pillarCodes, pillars, ruleIdPattern } from './advisor-rule.js';
import { subjectsFromFiles } from './file-subjects.js';
import type { Check, Finding } from './advisor-rule.js';
import { defineStaticRule, findingsOf } from './static-rule.js';
import { checkFiles, ruleById, staticRules } from './static-rules.js';

describe('the static rule catalogue', () => {
  it('has at least 20 rules, ids unique and of the form TRL-<PILLAR>-0NN, numbered in order within each pillar', () => {
    assert.ok(staticRules.length >= 20, `${staticRules.length} rules`);
    assert.equal(new Set(staticRules.map((rule) => rule.id)).size, staticRules.length);
    for (const rule of staticRules) {
      assert.match(rule.id, ruleIdPattern);
      assert.ok(rule.id.startsWith(`TRL-${pillarCodes[rule.pillar]}-0`), `${rule.id} is a static rule of ${rule.pillar}`);
    }
    for (const pillar of pillars) {
      const numbers = staticRules.filter((rule) => rule.pillar === pillar).map((rule) => Number(rule.id.slice(-3)));
      assert.ok(numbers.length >= 3, `${pillar} has ${numbers.length} rules`);
      assert.deepEqual(
        numbers,
        numbers.map((_, index) => index + 1),
        pillar,
      );
    }
  });

  it('ties every rule to a seed line, and says why, how to fix it and what it applies to', () => {
    for (const rule of staticRules) {
      assert.ok(rule.seed.document && rule.seed.line.length > 20 && rule.seed.section, rule.id);
      assert.match(rule.seed.url, /^https:\/\/learn\.microsoft\.com\/azure\/well-architected\//, rule.id);
      assert.match(rule.seed.code ?? '', /^(RE|SE|CO|OE|PE):\d\d$/, rule.id);
      assert.equal(
        rule.seed.code?.slice(0, 2),
        { reliability: 'RE', security: 'SE', cost: 'CO', operations: 'OE', performance: 'PE' }[rule.pillar],
        rule.id,
      );
      for (const text of [rule.title, rule.why, rule.fix, rule.appliesTo]) assert.ok(text.trim().length > 5, `${rule.id}: ${text}`);
    }
  });

  it("covers PSRule for Azure's five Machine Learning rules", () => {
    const named = staticRules.flatMap((rule) => rule.alsoKnownAs ?? []);
    for (const psRule of ['ComputeIdleShutdown', 'DisableLocalAuth', 'ComputeVnet', 'PublicAccess', 'UserManagedIdentity'])
      assert.ok(named.includes(`PSRule for Azure: Azure.ML.${psRule}`), psRule);
  });

  it('finds a rule by id, ignoring case', () => {
    assert.equal(ruleById('trl-cost-003')?.title, 'Compute instance never shuts down when idle');
    assert.equal(ruleById('TRL-COST-999'), undefined);
  });
});

describe('checkFiles', () => {
  const files = subjectsFromFiles([
    { name: 'cpu.yml', text: 'name: cpu\ntype: amlcompute\nmin_instances: 2\n' },
    { name: 'ci.yml', text: 'name: ci\ntype: computeinstance\nidle_time_before_shutdown_minutes: 60\n' },
    { name: 'job.yml', text: 'type: command\nname: train\ncommand: python t.py\nenvironment: azureml:env:1\ncompute: azureml:gpu\n' },
  ]);

  it('checks each rule on the subjects it applies to only: passed, failed, or unknown with the reason', () => {
    const { checks } = checkFiles(files, [ruleById('TRL-COST-001')!, ruleById('TRL-COST-003')!, ruleById('TRL-PERF-004')!]);
    assert.deepEqual(
      checks.map((check) => [check.ruleId, check.resource.name, check.outcome, check.reason]),
      [
        ['TRL-COST-001', 'cpu', 'failed', undefined],
        ['TRL-COST-003', 'ci', 'passed', undefined],
        ['TRL-PERF-004', 'train', 'unknown', "its compute 'gpu' is not among the files checked; check them together"],
      ],
    );
  });

  it('gives findings most severe first, each with the resource, its file and line, the message and the fix', () => {
    const { findings } = checkFiles(files);
    assert.deepEqual(
      findings.slice(0, 2).map((finding) => `${finding.severity} ${finding.ruleId} ${finding.resource.file}`),
      ['high TRL-SEC-006 ci.yml', 'high TRL-SEC-006 cpu.yml'],
    );
    const scaleToZero = findings.find((finding) => finding.ruleId === 'TRL-COST-001');
    assert.deepEqual(scaleToZero, {
      ruleId: 'TRL-COST-001',
      pillar: 'cost',
      severity: 'medium',
      resource: { kind: 'compute', name: 'cpu', file: 'cpu.yml', line: 3, pointer: '/min_instances' },
      message: 'min_instances is 2: 2 nodes stay allocated when no job runs',
      fix: 'Set min_instances: 0.',
    });
    const ranks = findings.map((finding) => ({ high: 0, medium: 1, low: 2 })[finding.severity]);
    assert.deepEqual(ranks, [...ranks].sort());
  });

  it('orders findings of one severity by file as localeCompare does, then by line and rule', () => {
    const finding = (file: string | undefined, line: number | undefined, ruleId: string): Finding => ({
      ruleId,
      pillar: 'cost',
      severity: 'low',
      resource: { kind: 'compute', name: 'c', ...(file === undefined ? {} : { file }), ...(line === undefined ? {} : { line }) },
      message: '',
      fix: '',
    });
    const written = [
      finding('b.yml', 2, 'TRL-COST-002'),
      finding('B.yml', 1, 'TRL-COST-001'),
      finding('a/z.yml', 1, 'TRL-COST-001'),
      finding(undefined, undefined, 'TRL-COST-003'),
      finding('b.yml', 2, 'TRL-COST-001'),
      finding('a-b.yml', 1, 'TRL-COST-001'),
      finding('b.yml', 1, 'trl-cost-009'),
      finding('ä.yml', 1, 'TRL-COST-001'),
    ];
    const checks: Check[] = written.map((one) => ({ ...one, outcome: 'failed', findings: [one] }));
    const expected = [...written].sort(
      (a, b) =>
        (a.resource.file ?? '').localeCompare(b.resource.file ?? '') ||
        (a.resource.line ?? 0) - (b.resource.line ?? 0) ||
        a.ruleId.localeCompare(b.ruleId),
    );
    assert.deepEqual(findingsOf(checks), expected);
    assert.deepEqual(
      expected.map((one) => `${one.resource.file}:${one.resource.line} ${one.ruleId}`),
      [
        'undefined:undefined TRL-COST-003',
        'a-b.yml:1 TRL-COST-001',
        'ä.yml:1 TRL-COST-001',
        'a/z.yml:1 TRL-COST-001',
        'b.yml:1 trl-cost-009',
        'b.yml:2 TRL-COST-001',
        'b.yml:2 TRL-COST-002',
        'B.yml:1 TRL-COST-001',
      ],
    );
  });

  it('writes checks and their resources with their keys in one order, as --format json prints them', () => {
    const { checks } = checkFiles(files, [ruleById('TRL-COST-001')!, ruleById('TRL-PERF-004')!]);
    assert.equal(
      JSON.stringify(checks.map((check) => ({ ...check, findings: check.findings.map((finding) => finding.resource) }))),
      JSON.stringify([
        {
          ruleId: 'TRL-COST-001',
          pillar: 'cost',
          severity: 'medium',
          resource: { kind: 'compute', name: 'cpu', file: 'cpu.yml' },
          outcome: 'failed',
          findings: [{ kind: 'compute', name: 'cpu', file: 'cpu.yml', line: 3, pointer: '/min_instances' }],
        },
        {
          ruleId: 'TRL-PERF-004',
          pillar: 'performance',
          severity: 'low',
          resource: { kind: 'command-job', name: 'train', file: 'job.yml' },
          outcome: 'unknown',
          findings: [],
          reason: "its compute 'gpu' is not among the files checked; check them together",
        },
      ]),
    );
  });

  it("uses a rule's fix for the subject's format", () => {
    const { id, pillar, severity, title, seed, why, fix, appliesTo } = ruleById('TRL-COST-001')!;
    const rule = defineStaticRule({
      ...{ id, pillar, severity, title, seed, why, fix, appliesTo },
      kinds: ['compute'],
      check: () => [{ message: 'always', field: 'minInstances' }],
      fixIn: { 'arm-template': 'the ARM fix' },
    });
    const arm = subjectsFromFiles([
      {
        name: 't.json',
        text: JSON.stringify({
          resources: [{ type: 'Microsoft.MachineLearningServices/workspaces/computes', name: 'ws/c', properties: {} }],
        }),
      },
    ]);
    assert.equal(checkFiles(arm, [rule]).findings[0]?.fix, 'the ARM fix');
    assert.equal(checkFiles(files.slice(0, 1), [rule]).findings[0]?.fix, 'Set min_instances: 0.');
  });
});
