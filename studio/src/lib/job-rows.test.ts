import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Job } from '../api/jobs.js';
import type { PipelineJob } from '../api/pipelines.js';
import type { SweepJob } from '../api/sweeps.js';
import { jobRows, rowKey, rowPagePath } from './job-rows.js';

// Only the fields the rows read: a name and when it was submitted.
const job = (name: string, submittedAt: number) => ({ name, submittedAt }) as Job;
const pipeline = (name: string, submittedAt: number) => ({ name, submittedAt }) as PipelineJob;
const sweep = (name: string, submittedAt: number) => ({ name, submittedAt }) as SweepJob;

describe('jobRows', () => {
  it('lists command, pipeline and sweep jobs together, newest first, names breaking ties as the CLI does', () => {
    const rows = jobRows(
      [job('old', 1), job('step-b', 5), job('step-a', 5), job('sweep_0', 4)],
      [pipeline('pipe', 3), pipeline('newest', 9)],
      [sweep('sweep', 4)],
    );
    assert.deepEqual(rows.map(rowKey), [
      'pipeline:newest',
      'command:step-b',
      'command:step-a',
      'command:sweep_0',
      'sweep:sweep',
      'pipeline:pipe',
      'command:old',
    ]);
  });

  it('is empty without jobs', () => {
    assert.deepEqual(jobRows([], []), []);
  });
});

describe('rowPagePath', () => {
  it('leads each kind to its own page, the name encoded', () => {
    const [command, pipelineRow, sweepRow] = jobRows([job('a b', 3)], [pipeline('p', 2)], [sweep('s', 1)]);
    assert.equal(rowPagePath('dev', command!), '/w/dev/jobs/a%20b');
    assert.equal(rowPagePath('dev', pipelineRow!), '/w/dev/pipelines/p');
    assert.equal(rowPagePath('dev', sweepRow!), '/w/dev/sweeps/s');
  });
});
