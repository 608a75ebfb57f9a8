import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { PipelineJobBody } from '../src/client/trellis-client.js';
import { removeHome, repositoryRoot, runCli, startTrellis, type TrellisProcess } from './support/trellis-process.js';
import { waitFor } from './support/wait-for.js';

// The pipeline examples of Azure/azureml-examples, kept verbatim (test/fixtures/azureml-examples/NOTICE.md),
// submitted unchanged with `trellis job create --file`, as `az ml job create --file` would.
const basics = join(repositoryRoot, 'test', 'fixtures', 'azureml-examples', 'cli', 'jobs', 'basics');
// Built virtualenvs are kept across runs, like a machine's image cache (shared with the other job tests).
const environmentCache = join(repositoryRoot, '.cache', 'environments');

interface Ran {
  pipeline: PipelineJobBody;
  /** Each step's log, by step name. */
  logs: Record<string, string>;
  trellis: TrellisProcess;
}

/** What each example's steps print or write, checked after it completed. */
const checks: Record<string, (ran: Ran) => Promise<void> | void> = {
  'hello-pipeline.yml': ({ logs }) => {
    assert.match(logs.hello_job!, /^hello$/m);
    assert.match(logs.world_job!, /^world$/m);
  },
  'hello-pipeline-io.yml': ({ logs, pipeline }) => {
    assert.match(logs.hello_job!, /^hello$/m);
    // world_job read the file hello_job wrote into its output: the binding carried it across.
    assert.match(logs.world_job!, /^world$/m);
    assert.deepEqual(pipeline.steps?.find((step) => step.step === 'world_job')?.dependsOn, ['hello_job']);
  },
  'hello-pipeline-settings.yml': ({ logs }) => {
    for (const step of ['hello_job', 'world_job']) assert.match(logs[step]!, /^202204190$/m, step);
  },
  'hello-pipeline-abc.yml': ({ logs }) => {
    assert.match(logs.a!, /^hello hello world$/m, 'the pipeline input reached step a');
    assert.match(logs.c!, /\/world\.txt$/m);
  },
  'hello-pipeline-customize-output-file.yml': async ({ logs, pipeline, trellis }) => {
    assert.match(logs.hello_world!, /^hello$/m);
    // The step's output, bound to the pipeline's uri_file output, is a data asset holding the one file.
    const asset = await outputAsset(trellis, pipeline, 'hello_world', 'output');
    assert.equal(asset.spec.type, 'uri_file');
  },
  'hello-pipeline-customize-output-folder.yml': async ({ logs, pipeline, trellis }) => {
    assert.match(logs.hello_world!, /^hello$/m);
    const asset = await outputAsset(trellis, pipeline, 'hello_world', 'output');
    assert.equal(asset.spec.type, 'uri_folder');
  },
  'hello-pipeline-default-artifacts.yml': ({ logs }) => {
    // world_job read hello_job's ./outputs through its default `artifacts` output.
    assert.match(logs.world_job!, /^world$/m);
  },
};

/** The data asset a step's output was registered as. */
async function outputAsset(trellis: TrellisProcess, pipeline: PipelineJobBody, step: string, output: string) {
  const job = pipeline.steps?.find((item) => item.step === step)?.job;
  assert.ok(job, `step ${step} has a job`);
  const found = await trellis.client.list('default', 'data', { tag: [`trellis.job=${job}`, `trellis.output=${output}`], limit: 1 });
  assert.equal(found.items.length, 1, `the output ${output} of ${step} is registered`);
  return found.items[0]!;
}

/** The example a file is a variant of: the serverless ones check as their cluster twins. */
function checksFor(file: string): (ran: Ran) => Promise<void> | void {
  const check = checks[file.replace('-serverless', '')];
  assert.ok(check, `no check for ${file}`);
  return check;
}

describe('the pipeline examples of Azure/azureml-examples run unchanged with trellis job create --file', () => {
  let trellis: TrellisProcess;

  before(async () => {
    trellis = await startTrellis({ env: { TRELLIS_ENV_CACHE: environmentCache, TRELLIS_JOB_TICK_MS: '200' } });
    // The cluster the examples name (`azureml:cpu-cluster`), as `az ml compute create` makes it; the serverless ones need none.
    const cluster = await runCli(
      ['compute', 'create', '--name', 'cpu-cluster', '--size', 'Standard_DS3_v2', '--min-instances', '0', '--max-instances', '4'],
      { url: trellis.url },
    );
    assert.equal(cluster.code, 0, cluster.stderr);
  });

  after(async () => {
    await trellis?.stop();
    if (trellis) await removeHome(trellis.home);
  });

  it('runs all 14 hello-pipeline examples to Completed, each step doing what it prints or writes', { timeout: 900_000 }, async () => {
    const files = (await readdir(basics)).filter((name) => name.startsWith('hello-pipeline')).sort();
    assert.equal(files.length, 14);
    const submitted: Array<{ file: string; name: string }> = [];
    for (const file of files) {
      const result = await runCli(['job', 'create', '--file', join(basics, file), '-o', 'json'], { url: trellis.url });
      assert.equal(result.code, 0, `${file}: ${result.stderr}`);
      const body = JSON.parse(result.stdout) as PipelineJobBody;
      assert.equal(body.type, 'pipeline');
      submitted.push({ file, name: body.name });
    }
    for (const { file, name } of submitted) {
      const pipeline = await waitFor(() => trellis.client.getPipeline('default', name), {
        until: (found) => ['Completed', 'Failed', 'Canceled'].includes(found.state),
        timeoutMs: 840_000,
        intervalMs: 250,
        what: `pipeline ${file} to end`,
      });
      const logs: Record<string, string> = {};
      for (const step of pipeline.steps ?? [])
        if (step.job) logs[step.step] = await (await fetch(`${trellis.url}/api/v1/workspaces/default/jobs/${step.job}/logs`)).text();
      assert.equal(
        pipeline.state,
        'Completed',
        `${file}: ${pipeline.reason}\n${JSON.stringify(pipeline.steps, null, 2)}\n${Object.values(logs).join('\n')}`,
      );
      for (const step of pipeline.steps ?? []) assert.equal(step.status, 'Completed', `${file}: step ${step.step}`);
      await checksFor(file)({ pipeline, logs, trellis });
    }
  });
});
