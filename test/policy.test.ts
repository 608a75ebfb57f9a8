import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { removeHome, runCli, startTrellis, type TrellisProcess } from './support/trellis-process.js';

/**
 * Azure Policy on a real server, through the CLI as a user would: Azure's built-in definitions
 * assigned unchanged, deny refusing a create with the definition, the field and the fix, modify
 * changing a compute and saying so, audit showing in the compliance states, exemptions, and bad
 * input refused with nothing changed.
 */
describe('policy: Azure Policy definitions enforced on a real server', () => {
  let trellis: TrellisProcess;
  let files: string;
  const cli = (...args: string[]) => runCli(args, { url: trellis.url, cwd: files });
  const ok = async (...args: string[]) => {
    const result = await cli(...args);
    assert.equal(result.code, 0, `trellis ${args.join(' ')}:\n${result.stderr}${result.stdout}`);
    return result.stdout;
  };
  const json = async <T>(...args: string[]): Promise<T> => JSON.parse(await ok(...args, '-o', 'json')) as T;
  const write = (name: string, text: string) => writeFile(join(files, name), text);

  before(async () => {
    trellis = await startTrellis();
    files = await mkdtemp(join(tmpdir(), 'trellis-policy-'));
    await ok('workspace', 'create', '--name', 'prod');
  });
  after(async () => {
    await trellis?.stop();
    if (trellis) await removeHome(trellis.home);
    if (files) await rm(files, { recursive: true, force: true });
  });

  it("lists Azure's 26 built-in Machine Learning definitions", async () => {
    const definitions = await json<Array<{ name: string; policyType: string; file: string | null }>>('policy', 'definition', 'list');
    const builtIns = definitions.filter((definition) => definition.policyType === 'BuiltIn');
    assert.equal(builtIns.length, 26);
    assert.ok(
      builtIns.some(
        (definition) => definition.file === 'IdleShutdown_Audit.json' && definition.name === '679ddf89-ab8f-48a5-9029-e76054077449',
      ),
    );
    assert.match(await ok('policy', 'definition', 'show', '--name', 'IdleShutdown_Audit'), /idleTimeBeforeShutdown/);
  });

  it('deny refuses a compute instance without idle shutdown, naming the definition, the field and the fix; nothing is created', async () => {
    await ok(
      'policy',
      'assignment',
      'create',
      '--name',
      'idle-deny',
      '--definition',
      'IdleShutdown_Audit',
      '--effect',
      'Deny',
      '--scope',
      '/workspaces/prod',
    );
    await write('ci.yml', 'name: notebook\ntype: computeinstance\nsize: STANDARD_DS3_V2\n');
    const refused = await cli('compute', 'create', '--file', 'ci.yml', '-w', 'prod');
    assert.notEqual(refused.code, 0);
    assert.match(
      refused.stderr,
      /compute 'notebook' is disallowed by policy 'Azure Machine Learning Compute Instance should have idle shutdown\.' \(assignment 'idle-deny'\)/,
    );
    assert.match(refused.stderr, /idleTimeBeforeShutdown is not set/);
    assert.match(refused.stderr, /trellis policy exemption create .*--assignment idle-deny --scope \/workspaces\/prod\/computes\/notebook/);
    const missing = await cli('compute', 'show', '--name', 'notebook', '-w', 'prod');
    assert.notEqual(missing.code, 0, 'the refused compute was not created');

    // The same file in another workspace: the assignment does not reach it.
    await ok('compute', 'create', '--file', 'ci.yml', '-w', 'default');
    // Compliant: created.
    await write('ci-idle.yml', 'name: notebook\ntype: computeinstance\nsize: STANDARD_DS3_V2\nidle_time_before_shutdown_minutes: 30\n');
    await ok('compute', 'create', '--file', 'ci-idle.yml', '-w', 'prod');
  });

  it('modify disables local authentication on a cluster and says so', async () => {
    await ok(
      'policy',
      'assignment',
      'create',
      '--name',
      'no-ssh',
      '--definition',
      'DisableLocalAuth_Modify',
      '--scope',
      '/workspaces/prod',
    );
    await write('cluster.yml', 'name: cpu\ntype: amlcompute\nsize: STANDARD_DS3_V2\nmax_instances: 2\nssh_public_access_enabled: true\n');
    const applied = await ok('apply', '-f', 'cluster.yml', '-w', 'prod');
    assert.match(
      applied,
      /modified by policy 'Configure Azure Machine Learning Computes to disable local authentication methods' \(assignment 'no-ssh'\)/,
    );
    const compute = await json<{ spec: Record<string, unknown> }>('compute', 'show', '--name', 'cpu', '-w', 'prod');
    assert.equal(compute.spec.ssh_public_access_enabled, false);
  });

  it('audit shows in the compliance states; an exemption makes the resource Exempt', async () => {
    await ok('policy', 'assignment', 'create', '--name', 'vnet', '--definition', 'Vnet_Audit');
    const states = await json<{ items: Array<{ resourceId: string; assignment: string; compliance: string; reasons: string[] }> }>(
      'policy',
      'state',
      'list',
      '-w',
      'prod',
    );
    const cluster = states.items.find((state) => state.resourceId === '/workspaces/prod/computes/cpu' && state.assignment === 'vnet');
    assert.equal(cluster?.compliance, 'NonCompliant');
    assert.match(cluster?.reasons.join(';') ?? '', /subnet\.id is not set/);
    const workspace = states.items.find((state) => state.resourceId === '/workspaces/prod' && state.assignment === 'vnet');
    assert.equal(workspace?.compliance, 'Compliant');

    await ok(
      'policy',
      'exemption',
      'create',
      '--name',
      'cpu-lab',
      '--assignment',
      'vnet',
      '--scope',
      '/workspaces/prod/computes/cpu',
      '--reason',
      'lab cluster, no private data',
      '--expires',
      '2099-01-01T00:00:00Z',
    );
    const after = await json<{ items: Array<{ resourceId: string; assignment: string; compliance: string; note: string | null }> }>(
      'policy',
      'state',
      'list',
      '-w',
      'prod',
      '--compliance',
      'Exempt',
    );
    assert.deepEqual(
      after.items.map((state) => [state.resourceId, state.assignment]),
      [['/workspaces/prod/computes/cpu', 'vnet']],
    );
    assert.match(after.items[0]?.note ?? '', /exempted by 'cpu-lab' \(Waiver\): lab cluster/);
  });

  it('DoNotEnforce evaluates and reports, refusing nothing', async () => {
    await ok(
      'policy',
      'assignment',
      'create',
      '--name',
      'idle-report',
      '--definition',
      'IdleShutdown_Audit',
      '--effect',
      'Deny',
      '--do-not-enforce',
    );
    await write('ci2.yml', 'name: notebook2\ntype: computeinstance\nsize: STANDARD_DS3_V2\n');
    const applied = await ok('apply', '-f', 'ci2.yml', '-w', 'default');
    assert.match(applied, /would be denied by \(DoNotEnforce\) policy/);
  });

  it('enforce-setting policies refuse a job with an image from another registry, or packages from another index', async () => {
    await ok('workspace', 'create', '--name', 'locked');
    await ok(
      'policy',
      'assignment',
      'create',
      '--name',
      'acr',
      '--definition',
      'AllowedACRs_EnforceSetting',
      '--scope',
      '/workspaces/locked',
      '--param',
      'allowedACRs=["registry.example.com"]',
    );
    await ok(
      'policy',
      'assignment',
      'create',
      '--name',
      'channels',
      '--definition',
      'AllowedPythonPackageChannels_EnforceSetting',
      '--scope',
      '/workspaces/locked',
      '--param',
      'allowedPythonPackageChannels=["https://pypi.example.com/simple", "conda-forge"]',
    );
    await write('image-job.yml', 'command: echo hi\nenvironment:\n  image: python:3.11-slim\n');
    const image = await cli('job', 'create', '--file', 'image-job.yml', '-w', 'locked');
    assert.notEqual(image.code, 0);
    assert.match(
      image.stderr,
      /job '[^']+' is disallowed by policy '\[Preview\]: Configure allowed registries for specified Azure Machine Learning computes' \(assignment 'acr'\): image 'python:3\.11-slim' is not from an allowed registry \(allowed: registry\.example\.com\)/,
    );

    await write(
      'pip-job.yml',
      'command: echo hi\nenvironment:\n  image: registry.example.com/python:3.11\n  conda_file:\n    channels: [conda-forge]\n    dependencies:\n      - python=3.11\n      - pip:\n          - numpy\n',
    );
    const pip = await cli('job', 'create', '--file', 'pip-job.yml', '-w', 'locked');
    assert.notEqual(pip.code, 0);
    assert.match(
      pip.stderr,
      /installs packages from 'https:\/\/pypi\.org\/simple', which is not allowed \(allowed: https:\/\/pypi\.example\.com\/simple, conda-forge\)/,
    );
    assert.doesNotMatch(pip.stderr, /allowed registries/, 'the image is from the allowed registry');
    const jobs = await json<{ items: unknown[] }>('job', 'list', '-w', 'locked');
    assert.deepEqual(jobs.items, [], 'no refused job was queued');

    // A curated environment is the platform's own: it passes.
    await write('curated-job.yml', 'command: echo hi\nenvironment: azureml:trellis-python\n');
    await ok('job', 'create', '--file', 'curated-job.yml', '-w', 'locked');
  });

  it('bad input is refused with what to fix, and nothing changes', async () => {
    await write(
      'bad.json',
      JSON.stringify({
        properties: {
          mode: 'All',
          policyRule: {
            if: { field: 'Microsoft.MachineLearningServices/workspaces/computes/idleTimeBeforeShutdwn', equal: 'x' },
            then: { effect: 'audit' },
          },
        },
      }),
    );
    const bad = await cli('policy', 'definition', 'create', '--name', 'bad', '--file', 'bad.json');
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /unknown condition 'equal'; did you mean 'equals'\?/);
    assert.match(bad.stderr, /did you mean 'Microsoft\.MachineLearningServices\/workspaces\/computes\/idleTimeBeforeShutdown'\?/);
    assert.notEqual((await cli('policy', 'definition', 'show', '--name', 'bad')).code, 0, 'the bad definition was not stored');

    const nowhere = await cli('policy', 'assignment', 'create', '--name', 'x', '--definition', 'Vnet_Audit', '--scope', '/workspaces/nope');
    assert.match(nowhere.stderr, /workspace 'nope', which does not exist/);
    const badParameter = await cli(
      'policy',
      'assignment',
      'create',
      '--name',
      'x',
      '--definition',
      'ManagedNetworkIsolationMode_Audit',
      '--param',
      'isolationMode=Open',
    );
    assert.match(
      badParameter.stderr,
      /parameter 'isolationMode' is "Open"; allowed: "AllowInternetOutbound", "AllowOnlyApprovedOutbound", "Disabled"/,
    );
    const badEffect = await cli('policy', 'assignment', 'create', '--name', 'x', '--definition', 'Vnet_Audit', '--effect', 'Deny');
    assert.match(badEffect.stderr, /parameter 'effect' is "Deny"; allowed: "Audit", "Disabled"/);
    const past = await cli(
      'policy',
      'exemption',
      'create',
      '--name',
      'old',
      '--assignment',
      'vnet',
      '--scope',
      '/workspaces/prod',
      '--reason',
      'r',
      '--expires',
      '2020-01-01T00:00:00Z',
    );
    assert.match(past.stderr, /expires_at: 2020-01-01T00:00:00Z has passed/);
    const names = (await json<Array<{ name: string }>>('policy', 'assignment', 'list')).map((assignment) => assignment.name);
    assert.ok(!names.includes('x'), 'no refused assignment was stored');
    assert.deepEqual(
      (await json<Array<{ name: string }>>('policy', 'exemption', 'list')).map((exemption) => exemption.name),
      ['cpu-lab'],
    );
  });

  it('audits assignments and exemptions; deleting an assignment takes its exemptions', async () => {
    const audit = await trellis.client.audit('prod', { limit: 100 });
    const kinds = audit.items.map((event) => `${event.kind}:${event.name}`);
    assert.ok(kinds.includes('policyAssignment:idle-deny'));
    assert.ok(kinds.includes('policyExemption:cpu-lab'));
    await ok('policy', 'assignment', 'delete', '--name', 'vnet');
    assert.deepEqual(await json<unknown[]>('policy', 'exemption', 'list'), []);
  });
});
