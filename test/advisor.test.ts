import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { AdvisorRecommendationsBody, AdvisorScoreBody } from '../src/client/trellis-client.js';
import { ownerTokenPath } from '../src/config/owner-token-file.js';
import { liveRules } from '../src/core/advisor/live/live-rules.js';
import { endpointFixtures } from './support/endpoints.js';
import { mlflowPost } from './support/mlflow-rest.js';
import { removeHome, runCli, startTrellis, type TrellisProcess } from './support/trellis-process.js';
import { waitFor } from './support/wait-for.js';

/**
 * The advisor's live rules on a real server, set up the way a user would (CLI, API, MLflow): a
 * fresh install's score, a production deployment that fails five rules and passes them once fixed,
 * a cluster kept warm for nothing, who may read recommendations. The rules that need days to pass
 * are tested on the store with a fake clock (src/services/advisor/advisor-service.test.ts).
 */

/** `ruleId resource` of each recommendation, sorted. */
const found = (answer: AdvisorRecommendationsBody) => answer.items.map((item) => `${item.ruleId} ${item.resource.name}`).sort();

describe('the advisor on a live server', () => {
  let trellis: TrellisProcess;
  let scratch: string;
  const cli = (args: string[]) => runCli(args, { url: trellis.url, cwd: scratch });

  before(async () => {
    trellis = await startTrellis();
    scratch = await mkdtemp(join(tmpdir(), 'trellis-advisor-'));
  });
  after(async () => {
    await trellis?.stop();
    if (trellis) await removeHome(trellis.home);
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  it('scores a fresh default install 100% on the rules that apply to it, the server-wide ones, and says which do not apply', async () => {
    const score: AdvisorScoreBody = await trellis.client.advisorScore('default');
    assert.equal(score.overall, 100);
    assert.equal(score.serverRules, true, 'the local owner may read the server');
    assert.deepEqual(score.pillars.security, { score: 100, passed: 2, failed: 0, unknown: 0 });
    for (const pillar of ['reliability', 'cost', 'operations', 'performance'] as const) assert.equal(score.pillars[pillar].score, null);
    assert.deepEqual(
      score.notApplicable,
      liveRules.map((rule) => rule.id).filter((id) => id !== 'TRL-SEC-101' && id !== 'TRL-SEC-105'),
    );
    assert.deepEqual((await trellis.client.advisorRecommendations('default')).items, []);

    const table = await cli(['advisor', 'score']);
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, /Security +100% +2 +0 +0/);
    assert.match(table.stdout, /Overall +100%/);
    assert.match(table.stdout, /Not applicable here \(nothing to check\): TRL-REL-101, /);
  });

  it('lists its rules, static and live, each with its pillar, severity, seed line and fix', async () => {
    const { items } = await trellis.client.listAdvisorRules();
    assert.ok(items.length >= 46, `${items.length} rules`);
    assert.equal(items.filter((rule) => rule.kind === 'live').length, liveRules.length);
    const idle = items.find((rule) => rule.id === 'TRL-COST-101')!;
    assert.equal(idle.kind, 'live');
    assert.equal(idle.seed.code, 'CO:12');
    assert.match(idle.fix, /min_instances: 0/);
    assert.deepEqual(
      (await trellis.client.listAdvisorRules({ pillar: 'operations', kind: 'live' })).items.map((rule) => rule.id),
      ['TRL-OPS-101', 'TRL-OPS-102', 'TRL-OPS-103'],
    );
    const listed = await cli(['advisor', 'rules', '--kind', 'live', '-o', 'json']);
    assert.equal(listed.code, 0, listed.stderr);
    assert.equal((JSON.parse(listed.stdout) as unknown[]).length, liveRules.length);
  });

  it('checks files sent to it against the static rules, answering the checks and score, or a SARIF log', async () => {
    const files = [{ name: 'compute/warm.yml', text: 'name: warm\ntype: amlcompute\nmin_instances: 2\n' }];
    const check = await trellis.client.checkAdvisorFiles(files);
    assert.ok('findings' in check);
    const scaleToZero = check.findings.find((finding) => finding.ruleId === 'TRL-COST-001');
    assert.deepEqual(scaleToZero?.resource, {
      kind: 'compute',
      name: 'warm',
      file: 'compute/warm.yml',
      line: 3,
      pointer: '/min_instances',
    });
    assert.deepEqual(check.checked, ['compute/warm.yml']);
    const sarif = await trellis.client.checkAdvisorFiles(files, { format: 'sarif' });
    assert.ok('runs' in sarif);
    const result = sarif.runs[0]!.results.find((item) => item.ruleId === 'TRL-COST-001');
    assert.deepEqual(result?.locations?.[0]?.physicalLocation, { artifactLocation: { uri: 'compute/warm.yml' }, region: { startLine: 3 } });
    assert.equal(result?.level, 'warning');
  });

  it('fires the production rules on a deployment of one instance, from files, without autoscale, collection or monitor, and clears them once fixed', async () => {
    await writeFile(
      join(scratch, 'endpoint.yml'),
      '$schema: https://azuremlschemas.azureedge.net/latest/managedOnlineEndpoint.schema.json\nname: prod-ep\nauth_mode: key\ntags: {environment: production}\n',
    );
    const deployment = (fields: string) =>
      `$schema: https://azuremlschemas.azureedge.net/latest/managedOnlineDeployment.schema.json\nname: blue\nendpoint_name: prod-ep\ninstance_type: Standard_DS3_v2\n${fields}`;
    await writeFile(
      join(scratch, 'blue.yml'),
      deployment(`model:\n  path: ${join(endpointFixtures, 'models', 'iris-onnx-v1')}\ninstance_count: 1\n`),
    );
    for (const args of [
      ['online-endpoint', 'create', '--file', 'endpoint.yml'],
      ['online-deployment', 'create', '--file', 'blue.yml', '--all-traffic'],
    ]) {
      const created = await cli(args);
      assert.equal(created.code, 0, created.stderr);
    }
    const before = await trellis.client.advisorRecommendations('default');
    assert.deepEqual(found(before), [
      'TRL-OPS-101 prod-ep/blue',
      'TRL-OPS-102 prod-ep/blue',
      'TRL-OPS-103 prod-ep/blue',
      'TRL-PERF-101 prod-ep/blue',
      'TRL-REL-101 prod-ep/blue',
      'TRL-SEC-102 default',
    ]);
    const single = before.items.find((item) => item.ruleId === 'TRL-REL-101')!;
    assert.equal(single.message, 'instance_count is 1: one instance serves production');
    assert.equal(single.seed.code, 'RE:05');
    assert.match((await trellis.client.advisorRecommendations('default', { pillar: 'operations' })).items[0]!.ruleId, /^TRL-OPS-10[123]$/);
    const listed = await cli(['advisor', 'list', '--pillar', 'reliability']);
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout, /high +TRL-REL-101 +reliability +online-deployment prod-ep\/blue +instance_count is 1/);

    // The fixes, as a user makes them. A model made by a run: registered through MLflow from the run.
    const { run } = await mlflowPost<{ run: { info: { run_id: string } } }>(trellis.url, 'runs/create', { experiment_id: '0' });
    await mlflowPost(trellis.url, 'registered-models/create', { name: 'iris-run' });
    await mlflowPost(trellis.url, 'model-versions/create', {
      name: 'iris-run',
      source: `runs:/${run.info.run_id}/model`,
      run_id: run.info.run_id,
    });
    // Autoscale from two instances, and collection of what it is asked and answers.
    const fixed = deployment(
      "model: azureml:iris-run:1\nscale_settings: {type: target_utilization, min_instances: 2, max_instances: 3}\ndata_collector: {collections: {model_inputs: {enabled: 'True'}, model_outputs: {enabled: 'True'}}}\n",
    );
    await trellis.client.applyOnlineDeployment('default', 'prod-ep', { fileName: 'blue.yml', text: fixed, uploads: {}, inlined: {} });
    // A monitor on it, against the training data.
    await writeFile(
      join(scratch, 'iris-train.csv'),
      'sepal_length,sepal_width,petal_length,petal_width,species\n5.1,3.5,1.4,0.2,setosa\n6.2,2.9,4.3,1.3,versicolor\n',
    );
    await writeFile(join(scratch, 'data.yml'), 'name: iris-train\nversion: "1"\ntype: uri_file\npath: ./iris-train.csv\n');
    await writeFile(
      join(scratch, 'monitor.yml'),
      `$schema: http://azureml/sdk-2-0/Schedule.json
name: prod-monitor
trigger: {type: recurrence, frequency: day, interval: 1}
create_monitor:
  compute: {instance_type: standard_e4s_v3, runtime_version: "3.4"}
  monitoring_target: {ml_task: classification, endpoint_deployment_id: azureml:prod-ep:blue}
  monitoring_signals:
    drift:
      type: data_drift
      production_data:
        data_window: {lookback_window_size: P7D}
      reference_data:
        input_data: {path: azureml:iris-train:1, type: uri_file}
        data_context: training
        data_column_names: {target_column: species}
      features: all_features
      metric_thresholds:
        numerical: {jensen_shannon_distance: 0.4}
`,
    );
    // Artifacts sealed at rest from now on.
    await writeFile(
      join(scratch, 'workspace.yml'),
      '$schema: https://azuremlschemas.azureedge.net/latest/workspace.schema.json\nname: default\nhbi_workspace: true\n',
    );
    for (const args of [
      ['data', 'create', '--file', 'data.yml'],
      ['schedule', 'create', '--file', 'monitor.yml'],
      ['apply', '-f', 'workspace.yml'],
    ]) {
      const done = await cli(args);
      assert.equal(done.code, 0, `${args.join(' ')}: ${done.stderr}`);
    }

    assert.deepEqual(found(await trellis.client.advisorRecommendations('default')), []);
    const score = await trellis.client.advisorScore('default');
    assert.equal(score.overall, 100);
    assert.deepEqual(score.pillars.reliability, { score: 100, passed: 1, failed: 0, unknown: 0 });
    assert.deepEqual(score.pillars.operations, { score: 100, passed: 3, failed: 0, unknown: 0 });
    assert.deepEqual(score.pillars.performance, { score: 100, passed: 1, failed: 0, unknown: 0 });
  });

  it('TRL-COST-101: a cluster kept warm with no job fires once past its idle time, and clears at min_instances 0', async () => {
    const create = (min: number) =>
      cli(['compute', 'create', '--name', 'warm', '--min-instances', String(min), '--idle-time-before-scale-down', '1']);
    assert.equal((await create(1)).code, 0);
    const fired = await waitFor(() => trellis.client.advisorRecommendations('default', { pillar: 'cost' }), {
      what: 'TRL-COST-101 on the warm cluster',
      until: (answer) => answer.items.some((item) => item.ruleId === 'TRL-COST-101'),
      timeoutMs: 15_000,
    });
    assert.match(
      fired.items.find((item) => item.ruleId === 'TRL-COST-101')!.message,
      /^min_instances is 1 and no job has run on it since it was last changed/,
    );
    assert.equal((await create(0)).code, 0);
    assert.deepEqual(found(await trellis.client.advisorRecommendations('default', { pillar: 'cost' })), []);
  });

  it('lets a Reader of the workspace read its recommendations without the server-wide rules, and refuses an AzureML Data Scientist', async () => {
    const owner = (await readFile(ownerTokenPath(trellis.home), 'utf8')).trim();
    const asOwner = (path: string, body: unknown) =>
      fetch(`${trellis.url}${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${owner}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const tokenOf = async (name: string, role: string) => {
      assert.equal((await asOwner('/api/v1/principals', { name, kind: 'servicePrincipal' })).status, 201);
      assert.equal((await asOwner('/api/v1/role-assignments', { role, assignee: name, scope: '/workspaces/default' })).status, 201);
      return ((await (await asOwner('/api/v1/tokens', { name: 'advisor', principal: name })).json()) as { token: string }).token;
    };
    const read = (token: string, path: string) => fetch(`${trellis.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
    const reader = await tokenOf('sp-reader', 'Reader');
    const answer = await read(reader, '/api/v1/workspaces/default/advisor/score');
    assert.equal(answer.status, 200);
    const score = (await answer.json()) as AdvisorScoreBody;
    assert.equal(score.serverRules, false);
    assert.ok(score.notApplicable.every((id) => !['TRL-SEC-101', 'TRL-SEC-103', 'TRL-SEC-104', 'TRL-SEC-105'].includes(id)));
    assert.equal((await read(reader, '/api/v1/advisor/rules')).status, 200);
    const scientist = await tokenOf('sp-scientist', 'AzureML Data Scientist');
    const refused = await read(scientist, '/api/v1/workspaces/default/advisor/recommendations');
    assert.equal(refused.status, 403);
    assert.match(await refused.text(), /Microsoft\.Advisor\/recommendations\/read/);
  });
});

describe('the advisor on the server itself, across restarts', () => {
  it('TRL-SEC-101 fires for local authentication behind a public URL, TRL-SEC-105 for plain HTTP beyond loopback; each clears when fixed', async () => {
    const home = await mkdtemp(join(tmpdir(), 'trellis-advisor-server-'));
    const serverVerdicts = async (env: Record<string, string>) => {
      const trellis = await startTrellis({ home, env });
      try {
        const url = trellis.url.replace('0.0.0.0', '127.0.0.1');
        const token = (await readFile(ownerTokenPath(home), 'utf8')).trim();
        const answer = await fetch(`${url}/api/v1/workspaces/default/advisor/recommendations?pillar=security`, {
          headers: { authorization: `Bearer ${token}` },
        });
        assert.equal(answer.status, 200, await answer.clone().text());
        return found((await answer.json()) as AdvisorRecommendationsBody);
      } finally {
        await trellis.stop();
      }
    };
    try {
      // Local authentication on (the default on loopback), published through a proxy.
      assert.deepEqual(await serverVerdicts({ TRELLIS_PUBLIC_URL: 'https://ml.example.com' }), ['TRL-SEC-101 127.0.0.1']);
      assert.deepEqual(await serverVerdicts({ TRELLIS_PUBLIC_URL: 'https://ml.example.com', TRELLIS_DISABLE_LOCAL_AUTH: 'true' }), []);
      // On every address over plain HTTP (local authentication is off there by default).
      assert.deepEqual(await serverVerdicts({ TRELLIS_HOST: '0.0.0.0' }), ['TRL-SEC-105 0.0.0.0']);
      assert.deepEqual(await serverVerdicts({ TRELLIS_HOST: '127.0.0.1' }), []);
    } finally {
      await removeHome(home);
    }
  });
});
