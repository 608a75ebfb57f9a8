import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { z } from 'zod';
import { jobRoutes } from '../contract/jobs.js';
import { defineRoute } from '../contract/route.js';
import type { HttpClient } from './http-client.js';

/**
 * Checked by `tsc -p tsconfig.json`, never run: a call that does not follow its route does not
 * compile, so a route changed in src/contract breaks the client (and the CLI and studio) that lags.
 */
function callsThatDoNotCompile(client: HttpClient) {
  // @ts-expect-error the job route's path names the job
  void client.call(jobRoutes.get, { params: { workspace: 'dev' } });
  // @ts-expect-error the job route has no such parameter
  void client.call(jobRoutes.get, { params: { workspace: 'dev', name: 'job', node: 'n' } });
  // @ts-expect-error submitting a job needs its file
  void client.call(jobRoutes.submit, { params: { workspace: 'dev' } });
  const renamed = defineRoute('GET', '/api/v1/workspaces/:workspace/jobs/:job', {
    params: z.object({ workspace: z.string(), job: z.string() }),
    response: { 200: z.object({ state: z.string() }) },
  });
  // @ts-expect-error a renamed path parameter breaks the caller that still uses the old name
  void client.call(renamed, { params: { workspace: 'dev', name: 'job' } });
  return async () => {
    const job = await client.call(jobRoutes.get, { params: { workspace: 'dev', name: 'job' } });
    // @ts-expect-error the answer is typed by the response schema: no such field
    void job.exitStatus;
    const state: 'Queued' | 'Preparing' | 'Running' | 'Finalizing' | 'Completed' | 'Failed' | 'Canceled' = job.state;
    return state;
  };
}

describe('the client typed from the contract', () => {
  it('has its compile-time checks (tsc runs them)', () => {
    assert.equal(typeof callsThatDoNotCompile, 'function');
  });
});
