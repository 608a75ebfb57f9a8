import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import type { PipelineJobBody } from '../src/client/trellis-client.js';
import { browserUnavailable, openBrowserPage, screenshotFolder } from './support/browser.js';
import { removeHome, repositoryRoot, runCli, startTrellis, type TrellisProcess } from './support/trellis-process.js';
import { waitFor } from './support/wait-for.js';

/**
 * The studio's pipeline page, the pipelines in the jobs list and the components pages, in
 * chromium against a real `trellis up`: Azure ML's hello-pipeline-io example submitted through the
 * API (its environment swapped for trellis-node, so no Python environment is built; its first step
 * held until the test lets it go, to watch the graph change live), then submitted again to be
 * reused; components registered with `trellis component create`. Screenshots in test-output/studio/.
 */

const fixtures = join(repositoryRoot, 'test', 'fixtures', 'azureml-examples', 'cli', 'jobs');
const helloPipelineIo = join(fixtures, 'basics', 'hello-pipeline-io.yml');
const withComponents = join(fixtures, 'pipelines-with-components', 'basics');
const sklearn = 'azureml://registries/azureml/environments/sklearn-1.5/labels/latest';

const ended = (pipeline: PipelineJobBody) => ['Completed', 'Failed', 'Canceled'].includes(pipeline.state);

describe("the studio's pipeline and component pages in chromium", { skip: browserUnavailable }, () => {
  let trellis: TrellisProcess;
  let browser: Browser;
  let page: Page;
  let shots: string;
  let scratch: string;
  /** The file whose existence lets the first run's hello_job go on. */
  let gate: string;
  let pipelineText: string;
  /** The first run of hello-pipeline-io, and the second, which reuses its steps. */
  let first: PipelineJobBody;
  let second: PipelineJobBody;

  const submit = (text: string, fileName = 'hello-pipeline-io.yml') =>
    trellis.client.submitPipeline('default', { fileName, text, uploads: {}, inlined: {}, defaultExperimentName: 'basics' });
  const waitForEnd = (name: string) =>
    waitFor(() => trellis.client.getPipeline('default', name), {
      what: `pipeline ${name} to end`,
      until: ended,
      timeoutMs: 60_000,
      intervalMs: 200,
      describe: (pipeline) => `${pipeline.state}: ${JSON.stringify(pipeline.steps?.map((step) => [step.step, step.status]))}`,
    });
  const step = (name: string) => page.getByRole('figure', { name: 'Pipeline graph' }).locator(`[data-step="${name}"]`);

  before(async () => {
    trellis = await startTrellis({ env: { TRELLIS_JOB_TICK_MS: '200', TRELLIS_JOB_GRACE_SECONDS: '2' } });
    shots = await screenshotFolder();
    scratch = await mkdtemp(join(tmpdir(), 'trellis-studio-pipelines-'));
    gate = join(scratch, 'go');
    const cluster = await runCli(
      ['compute', 'create', '--name', 'cpu-cluster', '--size', 'Standard_DS3_v2', '--min-instances', '0', '--max-instances', '4'],
      { url: trellis.url },
    );
    assert.equal(cluster.code, 0, cluster.stderr);
    const fixture = await readFile(helloPipelineIo, 'utf8');
    assert.ok(fixture.includes(sklearn) && fixture.includes('command: echo "hello"'), 'the fixture is as this test expects');
    pipelineText = fixture
      .replaceAll(sklearn, 'azureml:trellis-node@latest')
      .replace('command: echo "hello"', `command: while [ ! -e ${gate} ]; do sleep 0.1; done; echo "hello"`);
    ({ browser, page } = await openBrowserPage());
  });

  after(async () => {
    await browser?.close();
    await trellis?.stop();
    if (trellis) await removeHome(trellis.home);
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  it('draws the steps and the edge between them, and follows their states live until both are Completed', async () => {
    first = await submit(pipelineText);
    await page.goto(`${trellis.url}/studio/w/default/pipelines/${first.name}`);
    await page.getByRole('heading', { name: /hello_pipeline_io/ }).waitFor();
    const graph = page.getByRole('figure', { name: 'Pipeline graph' });
    // hello_job runs (held at the gate); world_job waits for it.
    await step('hello_job').and(page.locator('[data-status="Running"]')).waitFor({ timeout: 30_000 });
    assert.equal(await step('world_job').getAttribute('data-status'), 'Waiting');
    assert.match((await step('world_job').textContent()) ?? '', /waits for hello_job/);
    assert.equal(await graph.locator('path.edge').count(), 1);
    const edge = graph.locator('path.edge[data-from="hello_job"][data-to="world_job"]');
    assert.equal(await edge.count(), 1);
    assert.match((await edge.textContent()) ?? '', /hello_job\.outputs\.world_output → world_job\.inputs\.world_input/);
    // Left to right: the step read from sits in the layer before the step that reads it.
    const xOf = async (name: string) => Number(/translate\(([\d.]+),/.exec((await step(name).getAttribute('transform')) ?? '')?.[1]);
    assert.ok((await xOf('hello_job')) < (await xOf('world_job')));
    await page.getByRole('button', { name: 'Cancel pipeline' }).waitFor();
    await page.screenshot({ path: join(shots, 'pipeline-running.png'), fullPage: true });

    // Let hello_job go: the page, never reloaded, shows both steps through to Completed.
    await writeFile(gate, '');
    await step('world_job').and(page.locator('[data-status="Completed"]')).waitFor({ timeout: 30_000 });
    assert.equal(await step('hello_job').getAttribute('data-status'), 'Completed');
    await page.locator('h1 .badge', { hasText: 'Completed' }).waitFor();
    assert.equal(await page.getByRole('button', { name: 'Cancel pipeline' }).count(), 0);
    assert.equal(await step('hello_job').getAttribute('aria-label'), 'step hello_job: Completed');

    // Why each ran, the job that ran it and what it waited for, as `trellis job show` says it.
    const world = page.getByRole('table', { name: 'Steps' }).locator('tr[data-step="world_job"]');
    const worldRow = (await world.textContent()) ?? '';
    assert.match(worldRow, new RegExp(`${first.name}-world_job`));
    assert.match(worldRow, /hello_job/);
    assert.match(worldRow, /ran: no earlier run of the same step to reuse/);
    const facts = (await page.getByRole('definition').allTextContents()).join('\n');
    assert.match(facts, /basics/);
    assert.match(facts, /by user:/);
    assert.equal(await page.getByRole('link', { name: first.runId }).getAttribute('href'), `/studio/w/default/runs/${first.runId}`);
    await page.screenshot({ path: join(shots, 'pipeline.png'), fullPage: true });

    // A step opens its job's page, whose log it is and which leads back to the pipeline.
    await step('world_job').click();
    await page.waitForURL(new RegExp(`/jobs/${first.name}-world_job$`));
    await page.getByRole('heading', { name: /world_job/ }).waitFor();
    await page.locator('pre.log', { hasText: 'world' }).waitFor({ timeout: 15_000 });
    const back = page.locator('dl.facts').getByRole('link', { name: first.name, exact: true });
    assert.equal(await back.getAttribute('href'), `/studio/w/default/pipelines/${first.name}`);
    await back.click();
    await page.waitForURL(new RegExp(`/pipelines/${first.name}$`));
    await step('hello_job').waitFor();
  });

  it('marks each step of the same pipeline submitted again as reused, with the job whose work it reuses', async () => {
    second = await waitForEnd((await submit(pipelineText)).name);
    assert.equal(second.state, 'Completed', second.reason ?? '');
    await page.goto(`${trellis.url}/studio/w/default/pipelines/${second.name}`);
    for (const name of ['hello_job', 'world_job']) {
      const node = step(name);
      await node.and(page.locator('[data-status="Reused"]')).waitFor();
      assert.match((await node.getAttribute('class')) ?? '', /\breused\b/);
      assert.equal(await node.locator('.reused-mark').count(), 1);
      // The job it reuses, its middle left out where the box is too narrow: the pipeline's name begins it, the step's ends it.
      const detail = (await node.locator('.step-detail').textContent()) ?? '';
      assert.ok(detail.startsWith(`↻ reused ${first.name.slice(0, 10)}`) && detail.endsWith(`-${name}`), detail);
      assert.equal(await node.getAttribute('aria-label'), `step ${name}: Reused, reusing job ${first.name}-${name}`);
      const row = (await page.getByRole('table', { name: 'Steps' }).locator(`tr[data-step="${name}"]`).textContent()) ?? '';
      assert.match(row, new RegExp(`reused: the same as job ${first.name}-${name}, whose outputs it passes on`));
    }
    assert.equal(await page.getByRole('figure', { name: 'Pipeline graph' }).locator('path.edge').count(), 1);
    await page.screenshot({ path: join(shots, 'pipeline-reused.png'), fullPage: true });
    // A reused step opens the job that did the work.
    await step('hello_job').click();
    await page.waitForURL(new RegExp(`/jobs/${first.name}-hello_job$`));
    await page.getByRole('heading', { name: /hello_job/ }).waitFor();
  });

  it('lists the pipelines among the jobs, on no compute of their own, each leading to its page', async () => {
    await page.goto(`${trellis.url}/studio/w/default/jobs`);
    const table = page.getByRole('table', { name: 'Jobs' });
    const pipelineRow = table.getByRole('row', { name: new RegExp(`^${first.name} `) });
    await pipelineRow.waitFor();
    assert.match((await pipelineRow.textContent()) ?? '', /hello_pipeline_io.*Completed.*\(pipeline\)/);
    await table.getByRole('row', { name: new RegExp(`^${second.name} `) }).waitFor();
    // The first run's two step jobs are jobs too (the second ran none: it reused them), and the two pipelines.
    assert.equal(await table.locator('tbody tr').count(), 4);
    await table.getByRole('row', { name: new RegExp(`^${first.name}-world_job`) }).waitFor();
    // Filtering by compute leaves the pipelines out: they run on none.
    await page.getByRole('combobox', { name: 'Filter by compute' }).selectOption('cpu-cluster');
    await page.waitForURL(/compute=cpu-cluster/);
    await waitFor(() => table.locator('tbody tr').count(), { what: 'the two step jobs alone', until: (count) => count === 2 });
    await page.getByRole('button', { name: 'Clear filters' }).click();
    await pipelineRow.getByRole('link', { name: first.name }).click();
    await page.waitForURL(new RegExp(`/pipelines/${first.name}$`));
    await step('world_job').waitFor();
  });

  it('cancels a running pipeline from its page: the running step canceled, the waiting one skipped', async () => {
    const text = [
      'type: pipeline',
      'display_name: long_pipeline',
      'settings:',
      '  default_compute: azureml:cpu-cluster',
      'inputs:',
      '  greeting: hello',
      'outputs:',
      '  result:',
      '    type: uri_folder',
      '    name: long_result',
      'jobs:',
      '  long:',
      '    command: echo "started long ${{inputs.greeting}}"; sleep 120; echo done > ${{outputs.out}}/done.txt',
      '    environment: azureml:trellis-node@latest',
      '    inputs:',
      '      greeting: ${{parent.inputs.greeting}}',
      '    outputs:',
      '      out:',
      '  after:',
      '    command: cat ${{inputs.before}}/done.txt > ${{outputs.result}}/done.txt',
      '    environment: azureml:trellis-node@latest',
      '    inputs:',
      '      before: ${{parent.jobs.long.outputs.out}}',
      '    outputs:',
      '      result: ${{parent.outputs.result}}',
      '',
    ].join('\n');
    const pipeline = await submit(text, 'long.yml');
    await page.goto(`${trellis.url}/studio/w/default/pipelines/${pipeline.name}`);
    await step('long').and(page.locator('[data-status="Running"]')).waitFor({ timeout: 30_000 });
    // What it was given, what it makes and how it was set, as the file says.
    const facts = (await page.getByRole('definition').allTextContents()).join('\n');
    assert.match(facts, /greeting: hello/);
    assert.match(facts, /result: uri_folder → long_result written by after\.result/);
    assert.match(facts, /default_compute: azureml:cpu-cluster/);
    await page.getByRole('button', { name: 'Cancel pipeline' }).click();
    await page.getByRole('group', { name: 'Confirm cancel' }).waitFor();
    await page.getByRole('button', { name: 'Yes, cancel it' }).click();
    await page.locator('h1 .badge', { hasText: 'Canceled' }).waitFor({ timeout: 30_000 });
    await step('long').and(page.locator('[data-status="Canceled"]')).waitFor({ timeout: 15_000 });
    await step('after').and(page.locator('[data-status="Skipped"]')).waitFor({ timeout: 15_000 });
    const canceled = await trellis.client.getPipeline('default', pipeline.name);
    assert.equal(canceled.state, 'Canceled');
    assert.deepEqual(
      canceled.steps?.map((item) => [item.step, item.status]),
      [
        ['long', 'Canceled'],
        ['after', 'Skipped'],
      ],
    );
    await page.screenshot({ path: join(shots, 'pipeline-canceled.png'), fullPage: true });
  });

  it('lists the registered components, and a component page shows its versions, inputs, outputs, command and code', async () => {
    const create = async (file: string, ...args: string[]) => {
      const result = await runCli(['component', 'create', '--file', file, ...args], { url: trellis.url });
      assert.equal(result.code, 0, result.stderr);
    };
    // hello_python_world 1 takes no inputs; the same component with an input and an output, registered as version 2.
    await create(join(withComponents, '2a_basic_component', 'component.yml'));
    await create(join(withComponents, '2b_component_with_input_output', 'component.yml'), '--set', 'version=2');
    const train = join(scratch, 'train.yml');
    await writeFile(
      train,
      [
        '$schema: https://azuremlschemas.azureedge.net/latest/commandComponent.schema.json',
        'type: command',
        'name: train_demo',
        'version: 1',
        'description: trains a demo model',
        'environment: azureml:trellis-node@latest',
        'command: echo ${{inputs.epochs}} ${{inputs.optimizer}} > ${{outputs.model}}/model.txt',
        'inputs:',
        '  epochs: {type: integer, min: 1, max: 100, default: 10}',
        '  optimizer: {type: string, enum: [adam, sgd], default: adam}',
        '  data: {type: uri_folder, optional: true}',
        'outputs:',
        '  model: {type: uri_folder}',
        '',
      ].join('\n'),
    );
    await create(train);

    await page.goto(`${trellis.url}/studio/w/default/components`);
    const list = page.getByRole('table', { name: 'Components' });
    const hello = list.getByRole('row', { name: /hello_python_world/ });
    await hello.waitFor();
    const helloCells = await hello.locator('td').allTextContents();
    assert.deepEqual(helloCells.slice(0, 4), ['hello_python_world', '2', '2', 'Hello_Python_World']);
    const trainCells = await list
      .getByRole('row', { name: /train_demo/ })
      .locator('td')
      .allTextContents();
    assert.deepEqual(trainCells.slice(0, 3), ['train_demo', '1', '1']);
    assert.equal(trainCells[4], 'trains a demo model');
    await page.screenshot({ path: join(shots, 'components.png'), fullPage: true });

    // The newest version by default: its inputs with type and default, its output, its uploaded code.
    await hello.getByRole('link', { name: 'hello_python_world' }).click();
    await page.waitForURL(/\/components\/hello_python_world$/);
    await page.getByRole('heading', { name: /Version 2/ }).waitFor();
    assert.equal(await page.getByRole('table', { name: 'Versions' }).locator('tbody tr').count(), 2);
    const inputs = page.getByRole('table', { name: 'Inputs' });
    assert.deepEqual(await inputs.locator('tbody tr').first().locator('td').allTextContents(), [
      'sample_input_data',
      'uri_folder',
      '',
      'required',
      '',
      '',
      '',
      '',
    ]);
    assert.deepEqual((await inputs.locator('tbody tr').nth(1).locator('td').allTextContents()).slice(0, 4), [
      'sample_input_string',
      'string',
      'hello_python_world_default',
      '',
    ]);
    assert.match((await page.getByRole('table', { name: 'Outputs' }).textContent()) ?? '', /sample_output_data\s*uri_folder/);
    const facts = (await page.locator('dl.facts').textContent()) ?? '';
    assert.match(facts, /python hello\.py/);
    assert.match(facts, /inline: image python/);
    assert.match(facts, /trellis:\/\/folders\/sha256:[0-9a-f]{12}… uploaded from \.\/src/);
    assert.match(facts, /component: azureml:hello_python_world:2/);

    // Version 1 takes no inputs.
    await page.getByRole('table', { name: 'Versions' }).getByRole('link', { name: '1', exact: true }).click();
    await page.waitForURL(/\/components\/hello_python_world\/versions\/1$/);
    await page.getByRole('heading', { name: /Version 1/ }).waitFor();
    await page.getByText('None: the component takes no inputs.').waitFor();

    // Min, max and the allowed values of literal inputs.
    await page.goto(`${trellis.url}/studio/w/default/components/train_demo`);
    const trainInputs = page.getByRole('table', { name: 'Inputs' });
    await trainInputs.waitFor();
    const rowOf = async (name: string) =>
      trainInputs
        .getByRole('row', { name: new RegExp(`^${name} `) })
        .locator('td')
        .allTextContents();
    assert.deepEqual(await rowOf('epochs'), ['epochs', 'integer', '10', '', '1', '100', '', '']);
    assert.deepEqual(await rowOf('optimizer'), ['optimizer', 'string', 'adam', '', '', '', 'adam, sgd', '']);
    assert.deepEqual(await rowOf('data'), ['data', 'uri_folder', '', 'optional', '', '', '', '']);
    await page.screenshot({ path: join(shots, 'component.png'), fullPage: true });
  });

  it('tells a workspace without components how to register one', async () => {
    const created = await fetch(`${trellis.url}/api/v1/workspaces`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'empty-components' }),
    });
    assert.ok(created.status < 300, await created.text());
    await page.goto(`${trellis.url}/studio/w/empty-components/components`);
    await page.getByRole('heading', { name: 'No components registered yet' }).waitFor();
    assert.match((await page.locator('.empty').textContent()) ?? '', /trellis component create --file train\.yml/);
    await page.goto(`${trellis.url}/studio/w/default/pipelines/no-such-pipeline`);
    assert.match((await page.getByRole('alert').textContent()) ?? '', /no-such-pipeline/);
  });
});
