import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseYaml } from '../yaml/parse-yaml.js';
import { applyCreateJobOverrides, firingJobText } from './job-template.js';
import { firingJobName } from './schedule.js';

describe('a schedule job template', () => {
  const pipeline = {
    type: 'pipeline',
    display_name: 'abc',
    settings: { default_compute: 'azureml:cpu-cluster', force_rerun: true },
    inputs: { greeting: 'hello', rows: 10 },
    tags: { team: 'data' },
    jobs: { a: { command: 'echo ${{inputs.x}}' } },
  };

  it('merges settings, inputs, outputs and tags key by key, and replaces the other fields', () => {
    const { job, problems } = applyCreateJobOverrides(pipeline, {
      type: 'pipeline',
      settings: { continue_on_step_failure: true },
      inputs: { greeting: '${{name}}' },
      tags: { schedule: 'nightly' },
      display_name: 'nightly abc',
      experiment_name: 'nightly',
    });
    assert.deepEqual(problems, []);
    assert.deepEqual(job.settings, { default_compute: 'azureml:cpu-cluster', force_rerun: true, continue_on_step_failure: true });
    assert.deepEqual(job.inputs, { greeting: '${{name}}', rows: 10 });
    assert.deepEqual(job.tags, { team: 'data', schedule: 'nightly' });
    assert.equal(job.display_name, 'nightly abc');
    assert.equal(job.experiment_name, 'nightly');
    assert.deepEqual(job.jobs, pipeline.jobs, 'the steps are the template’s');
  });

  it('refuses a type that is not the job’s', () => {
    const { problems } = applyCreateJobOverrides(pipeline, { type: 'command' });
    assert.deepEqual(problems, [
      { path: 'create_job.type', message: 'create_job says type command but the job is a pipeline job; leave type out or make them agree' },
    ]);
  });

  it('names each firing’s job for its slot, and fills ${{name}} and ${{creation_context.trigger_time}} in the values only', () => {
    const slotAt = Date.parse('2026-03-08T07:30:00Z');
    const jobName = firingJobName('nightly', slotAt, 'scheduled');
    assert.equal(jobName, 'nightly-20260308t0730');
    assert.equal(firingJobName('nightly', slotAt + 12_000, 'manual'), 'nightly-manual-20260308t073012');
    const template = [
      'type: pipeline',
      'name: fixed',
      'inputs:',
      '  run: ${{name}}',
      '  at: "${{ creation_context.trigger_time }}"',
      'jobs:',
      '  a:',
      '    command: echo ${{inputs.x}} ${{name}}',
      'tags: {team: data}',
      '',
    ].join('\n');
    const text = firingJobText(template, { schedule: 'nightly', jobName, slotAt, kind: 'scheduled' }, 'pipeline.yml');
    const job = parseYaml(text, 'firing').value;
    assert.equal(job.name, jobName, 'the template’s own name is replaced: every firing makes a new job');
    assert.deepEqual(job.inputs, { run: jobName, at: '2026-03-08T07:30:00.000Z' });
    assert.deepEqual(job.jobs, { a: { command: `echo \${{inputs.x}} ${jobName}` } }, 'other ${{...}} are left for the job');
    assert.deepEqual(job.tags, {
      team: 'data',
      'trellis.schedule': 'nightly',
      'trellis.schedule.slot': '2026-03-08T07:30:00.000Z',
      'trellis.schedule.kind': 'scheduled',
    });
  });
});
