import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Finding } from '../src/core/advisor/advisor-rule.js';
import type { SarifLog } from '../src/core/advisor/sarif.js';
import { staticRules } from '../src/core/advisor/static-rules.js';
import { runCli } from './support/trellis-process.js';

/**
 * `trellis advisor check`, as CI runs it: the built CLI on Azure ML's own examples and on an ARM
 * template, with no server anywhere; its exit codes, its table, its JSON and its SARIF file.
 */

const examples = 'test/fixtures/azureml-examples/cli';
const check = (args: string[]) => runCli(['advisor', 'check', '-f', ...args]);

interface CheckJson {
  checked: string[];
  skipped: Array<{ file: string; reason: string }>;
  invalid: Array<{ file: string; message: string }>;
  findings: Finding[];
}

async function checkJson(args: string[]): Promise<{ code: number; report: CheckJson }> {
  const result = await check([...args, '--format', 'json']);
  return { code: result.code, report: JSON.parse(result.stdout) as CheckJson };
}

const located = (finding: Finding) => `${finding.ruleId} ${finding.resource.file}:${finding.resource.line}`;

describe('trellis advisor check', () => {
  let scratch: string;
  before(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'trellis-advisor-check-'));
  });
  after(async () => {
    await rm(scratch, { recursive: true, force: true });
  });

  it("finds what Azure ML's examples leave to fix, at their lines, and exits 1 on a high-severity finding", async () => {
    const { code, report } = await checkJson([
      `${examples}/resources/compute/instance-basic.yml`,
      `${examples}/resources/compute/cluster-low-priority.yml`,
      `${examples}/jobs/basics/hello-sweep.yml`,
    ]);
    assert.equal(code, 1);
    const lines = report.findings.map(located);
    assert.ok(lines.includes(`TRL-COST-003 ${examples}/resources/compute/instance-basic.yml:1`), lines.join('\n'));
    assert.ok(lines.includes(`TRL-SEC-008 ${examples}/resources/compute/cluster-low-priority.yml:1`), lines.join('\n'));
    const sweep = report.findings.find((finding) => finding.ruleId === 'TRL-COST-004');
    assert.equal(sweep?.resource.name, 'hello-sweep-example');
    assert.equal(sweep?.message, 'early_termination is not set: every trial runs to its end');
    assert.match(sweep?.fix ?? '', /early_termination/);
  });

  it('exits by --fail-on: 0 under it, 1 at or above it, never with none', async () => {
    const helloWorld = `${examples}/jobs/basics/hello-world.yml`;
    const { report } = await checkJson([helloWorld]);
    assert.deepEqual(
      [...new Set(report.findings.map((finding) => finding.severity))].sort(),
      ['low', 'medium'],
      'hello-world has medium and low findings only',
    );
    assert.equal((await check([helloWorld])).code, 0, 'the default is high');
    assert.equal((await check([helloWorld, '--fail-on', 'medium'])).code, 1);
    assert.equal((await check([helloWorld, '--fail-on', 'low'])).code, 1);
    assert.equal((await check([`${examples}/resources/compute/instance-basic.yml`, '--fail-on', 'none'])).code, 0);
  });

  it("walks a folder: a pipeline's local components are read with it, its steps checked; conda files and samples are skipped", async () => {
    const { report } = await checkJson([`${examples}/jobs/pipelines-with-components/basics/3a_basic_pipeline`]);
    const pipeline = `${examples}/jobs/pipelines-with-components/basics/3a_basic_pipeline/pipeline.yml`;
    assert.ok(report.checked.includes(pipeline));
    const steps = report.findings
      .filter((finding) => finding.resource.file === pipeline)
      .map((finding) => `${finding.ruleId} ${finding.resource.name}`);
    assert.ok(steps.includes('TRL-OPS-003 3a_basic_pipeline/component_a/environment'), steps.join('\n'));
    assert.deepEqual(report.invalid, []);

    const deployments = await checkJson([`${examples}/endpoints/online/managed/sample`]);
    const pinned = deployments.report.findings.find(
      (finding) => finding.ruleId === 'TRL-SEC-013' && finding.resource.file?.endsWith('sample/blue-deployment.yml'),
    );
    // Its conda file lives outside the folder (../../model-1/environment/conda.yaml) and is read with it.
    assert.equal(pinned?.message, 'environment.conda_file does not pin 2 packages: inference-schema[numpy-support], joblib');
    assert.ok(deployments.report.skipped.some((skip) => skip.file.endsWith('sample-request.json')));
  });

  it('reads a file larger than its read buffer (64 KiB) whole, from a folder', async () => {
    const folder = join(scratch, 'large');
    await rm(folder, { recursive: true, force: true });
    await mkdir(folder, { recursive: true });
    const padding = '# a long comment line, repeated until the file is larger than one read\n'.repeat(1200);
    await writeFile(
      join(folder, 'cluster.yml'),
      `${padding}name: cpu\ntype: amlcompute\nsize: Standard_DS3_v2\nmin_instances: 2\nmax_instances: 4\n${padding}`,
    );
    const { report } = await checkJson([folder]);
    assert.ok(padding.length * 2 > 64 * 1024);
    const minimum = report.findings.find((finding) => finding.ruleId === 'TRL-COST-001');
    assert.equal(minimum?.resource.line, 1204, JSON.stringify(report));
    assert.deepEqual(report.invalid, []);
  });

  it('exits 2 naming the problems of a file it cannot read', async () => {
    const result = await check([`${examples}/resources/compute/attached-spark.yml`]);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /attached-spark\.yml has 1 problem.*\n.*line 2: name: '<ATTACHED_SPARK_POOL_NAME>' is not a valid name/);
  });

  it('prints findings by pillar with their fix, and writes a SARIF log code scanning reads', async () => {
    const sarifFile = join(scratch, 'advisor.sarif');
    const result = await check([`${examples}/resources/compute/cluster-low-priority.yml`, '--output-file', sarifFile, '--fail-on', 'none']);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^Checked 1 file\(s\): \d+ checks/);
    assert.match(result.stdout, /\nSecurity \(score [\d.]+%\)\n {2}HIGH +TRL-SEC-006 +compute low-pri-example +test\/fixtures/);
    assert.match(result.stdout, /\n {10}fix: Set enable_node_public_ip: false/);
    assert.match(result.stdout, /\nScore: [\d.]+% overall \(reliability -, security [\d.]+%/);
    const log = JSON.parse(await readFile(sarifFile, 'utf8')) as SarifLog;
    assert.equal(log.version, '2.1.0');
    const run = log.runs[0]!;
    assert.equal(run.tool.driver.name, 'trellis-advisor');
    assert.equal(run.tool.driver.rules.length, staticRules.length);
    const publicIp = run.results.find((item) => item.ruleId === 'TRL-SEC-008');
    assert.equal(publicIp?.level, 'warning');
    assert.deepEqual(publicIp?.locations?.[0]?.physicalLocation.artifactLocation, {
      uri: `${examples}/resources/compute/cluster-low-priority.yml`,
    });
    assert.equal(run.tool.driver.rules[publicIp!.ruleIndex!]?.id, 'TRL-SEC-008');

    const printed = await check([`${examples}/resources/compute/cluster-low-priority.yml`, '--format', 'sarif', '--fail-on', 'none']);
    assert.equal((JSON.parse(printed.stdout) as SarifLog).runs[0]!.results.length, run.results.length);
  });

  it('reads an ARM template: each finding at the line of the field at fault', async () => {
    const template = 'test/fixtures/advisor/azuredeploy.json';
    const { code, report } = await checkJson([template]);
    assert.equal(code, 1);
    const byRule = new Map(report.findings.map((finding) => [finding.ruleId, finding]));
    assert.deepEqual([...byRule.keys()].sort(), [
      'TRL-COST-001',
      'TRL-COST-002',
      'TRL-OPS-001',
      'TRL-OPS-002',
      'TRL-OPS-005',
      'TRL-PERF-001',
      'TRL-REL-001',
      'TRL-SEC-001',
      'TRL-SEC-002',
      'TRL-SEC-003',
      'TRL-SEC-004',
      'TRL-SEC-005',
      'TRL-SEC-006',
      'TRL-SEC-007',
      'TRL-SEC-008',
      'TRL-SEC-009',
      'TRL-SEC-010',
      'TRL-SEC-011',
    ]);
    const minimum = byRule.get('TRL-COST-001')!;
    assert.equal(minimum.message, 'properties.properties.scaleSettings.minNodeCount is 2: 2 nodes stay allocated when no job runs');
    assert.equal(minimum.resource.pointer, '/resources/1/properties/properties/scaleSettings/minNodeCount');
    assert.equal(minimum.resource.line, 35);
    assert.equal(minimum.fix, 'Set properties.properties.scaleSettings.minNodeCount to 0.');
    assert.equal(byRule.get('TRL-SEC-007')?.resource.line, 33);
  });
});
