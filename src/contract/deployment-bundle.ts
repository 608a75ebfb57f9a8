import { z } from 'zod';
import { binaryBody, workspaceParams } from './common.js';
import { problemSchema } from './problem.js';
import { defineRoute } from './route.js';

/**
 * What the instances of an online deployment on a Kubernetes compute download from Trellis: the
 * prepared version's model and code as a tar. The token in the URL is their only credential; a
 * wrong one is refused with 403 before anything is read.
 */
export const deploymentBundleRoutes = {
  bundle: defineRoute('GET', '/api/v1/workspaces/:workspace/online-endpoints/:name/deployments/:deployment/versions/:version/bundle.tar', {
    tags: ['online endpoints'],
    summary: "A version's model and code (azureml-models/, code/) as a tar, for its instances on a Kubernetes compute",
    params: workspaceParams.extend({
      name: z.string().describe('endpoint name'),
      deployment: z.string().describe('deployment name'),
      version: z.string().describe("the version's etag"),
    }),
    querystring: z.object({ token: z.string().optional().describe("the version's token, as given to its instances") }),
    response: {
      200: { description: "a tar of the version's model and code", content: { 'application/x-tar': { schema: binaryBody } } },
      400: problemSchema,
      403: problemSchema,
      404: problemSchema,
    },
  }),
};
