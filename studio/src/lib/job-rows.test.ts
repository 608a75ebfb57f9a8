import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Job } from '../api/jobs.js';
import type { PipelineJob } from '../api/pipelines.js';
import { jobRows, rowKey } from './job-rows.js';

// Only the fields the rows read: a name and when it was submitted.
const job = (name: string, submittedAt: number) => ({ name, submittedAt }) as Job;
const pipeline = (name: string, submittedAt: number) => ({ name, submittedAt }) as PipelineJob;

describe('jobRows', () => {
  it('lists command and pipeline jobs together, newest first, names breaking ties as the CLI does', () => {
    const rows = jobRows([job('old', 1), job('step-b', 5), job('step-a', 5)], [pipeline('pipe', 3), pipeline('newest', 9)]);
    assert.deepEqual(rows.map(rowKey), ['pipeline:newest', 'command:step-b', 'command:step-a', 'pipeline:pipe', 'command:old']);
  });

  it('is empty without jobs', () => {
    assert.deepEqual(jobRows([], []), []);
  });
});
