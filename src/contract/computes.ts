import { z } from 'zod';
import { namedParams, workspaceParams } from './common.js';
import { jobErrors } from './jobs.js';
import { defineRoute } from './route.js';

const priced = 'USD; null when not billed here (attached) or the size is unknown';

/** A node of a cluster, with what an hour of it costs. */
export const computeNode = z.object({
  workspace: z.string(),
  compute: z.string(),
  nodeId: z.string(),
  state: z.string(),
  job: z.string().nullable(),
  size: z.string(),
  tier: z.string(),
  createdAt: z.number(),
  idleSince: z.number().nullable(),
  removedAt: z.number().nullable(),
  removedReason: z.string().nullable(),
  pricePerHour: z.number().nullable().describe(`list price of one hour of this node, ${priced}`),
});

/** Node-seconds per compute, size and tier, over every node the compute ever had, and what they cost. */
export const nodeUsage = z.object({
  compute: z.string(),
  size: z.string(),
  tier: z.string(),
  nodeSeconds: z.number(),
  nodes: z.number(),
  cost: z.number().nullable().describe(`what the node-seconds cost at list price, ${priced}`),
});

const pricing = z
  .object({ currency: z.string(), note: z.string().describe('which prices: currency, region, date; estimates named') })
  .describe('what the prices of this answer are');

const tags = ['jobs'];
const one = '/api/v1/workspaces/:workspace/computes/:name';

/** The nodes, node-seconds, costs and quotas of computes, and evicting low-priority nodes. */
export const computeRoutes = {
  evict: defineRoute('POST', `${one}/evict`, {
    tags,
    summary: 'Evict low-priority nodes (all busy ones, or ?node=<id>): their jobs checkpoint and are requeued',
    params: namedParams,
    querystring: z.object({ node: z.string().optional() }),
    response: { 200: z.object({ evicted: z.array(z.object({ node: z.string(), job: z.string().nullable() })) }), ...jobErrors },
  }),
  nodes: defineRoute('GET', `${one}/nodes`, {
    tags,
    summary: "A cluster's nodes now, and its node-seconds so far; with `since`, its nodes over time (removed ones too)",
    params: namedParams,
    querystring: z.object({
      since: z.coerce.number().int().min(0).optional().describe('epoch ms: also list every node up at some time since then, in `history`'),
    }),
    response: {
      200: z.object({ nodes: z.array(computeNode), history: z.array(computeNode).optional(), usage: z.array(nodeUsage), pricing }),
      ...jobErrors,
    },
  }),
  usage: defineRoute('GET', '/api/v1/workspaces/:workspace/usage', {
    tags,
    summary: "Node-seconds of the workspace's computes",
    params: workspaceParams,
    response: { 200: z.object({ nodes: z.array(computeNode), usage: z.array(nodeUsage), pricing }), ...jobErrors },
  }),
  quotas: defineRoute('GET', '/api/v1/workspaces/:workspace/quotas', {
    tags,
    summary: "The workspace's use against its quotas (max nodes, vCPUs per VM family); a null limit means none is set",
    params: workspaceParams,
    response: {
      200: z.object({
        usages: z.array(
          z.object({ name: z.enum(['nodes', 'vcpus']), family: z.string().nullable(), current: z.number(), limit: z.number().nullable() }),
        ),
      }),
      ...jobErrors,
    },
  }),
};
