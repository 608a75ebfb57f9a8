import { z } from 'zod';
import { instanceStates } from '../core/compute/compute-instance.js';
import { namedParams } from './common.js';
import { jobErrors } from './jobs.js';
import { defineRoute } from './route.js';

/** A compute instance's state and where its JupyterLab answers. */
export const computeInstanceSchema = z
  .object({
    name: z.string(),
    workspace: z.string(),
    state: z.enum(instanceStates),
    desiredState: z.enum(['Running', 'Stopped']).describe('what was last asked for: by start/stop, a schedule, or idle shutdown'),
    labUrl: z.string().nullable().describe("JupyterLab through this server, with Trellis's authentication; null while it does not run"),
    labPath: z.string().describe('the path of the lab under this server'),
    assignedUser: z.string().nullable().describe('who the instance is for: only they (and Owners) reach its JupyterLab'),
    lastActivity: z.number().nullable().describe('epoch ms of the last kernel, terminal or API activity JupyterLab reported'),
    reason: z.string().nullable().describe('why it last stopped or failed'),
  })
  .meta({ id: 'ComputeInstance' });

const tags = ['compute'];
const one = '/api/v1/workspaces/:workspace/computes/:name';
const operation = (verb: string, summary: string) =>
  defineRoute('POST', `${one}/${verb}`, { tags, summary, params: namedParams, response: { 200: computeInstanceSchema, ...jobErrors } });

/** Starting, stopping and restarting a compute instance (az ml compute start|stop|restart), and its state. */
export const computeInstanceRoutes = {
  status: defineRoute('GET', `${one}/instance`, {
    tags,
    summary: "A compute instance's state (Starting, Running, Stopping, Stopped, Failed) and its JupyterLab URL",
    params: namedParams,
    response: { 200: computeInstanceSchema, ...jobErrors },
  }),
  start: operation('start', 'Start a compute instance: JupyterLab for its assigned user'),
  stop: operation('stop', 'Stop a compute instance: its JupyterLab and kernels stop; its notebooks stay'),
  restart: operation('restart', 'Restart a compute instance: JupyterLab stopped and started again, with a fresh token'),
};
