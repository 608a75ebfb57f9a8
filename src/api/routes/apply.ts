import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { TrellisError } from '../../core/errors.js';
import { resourceKinds } from '../../core/resources/kinds.js';
import { resourceSchema } from '../../core/resources/resource.js';
import { applyResource } from '../../services/apply-resource.js';
import { callerOf } from '../caller.js';
import { problemSchema } from '../problem.js';
import type { RouteOptions } from '../route-options.js';
import { workspaceParams } from '../schemas.js';

const uploadedContent = z.discriminatedUnion('type', [
  z.object({ type: z.literal('file'), digest: z.string(), size: z.number().int().nonnegative(), fileName: z.string().min(1) }),
  z.object({
    type: z.literal('folder'),
    digest: z.string(),
    size: z.number().int().nonnegative(),
    fileCount: z.number().int().nonnegative(),
    name: z.string().min(1).optional().describe("the folder's own name (a model is laid out under AZUREML_MODEL_DIR by it)"),
  }),
]);

export const applyRequest = z
  .object({
    fileName: z.string().default('request').describe('shown in error messages'),
    text: z.string().describe('the Azure ML YAML file, as written'),
    kind: z.enum(resourceKinds).optional().describe('refuse the file unless it is of this kind'),
    uploads: z.record(z.string(), uploadedContent).default({}).describe('local path as written in the file → uploaded content'),
    inlined: z.record(z.string(), z.string()).default({}).describe('local path → text of a file Azure ML inlines (conda_file)'),
    dryRun: z.boolean().default(false),
  })
  .strict()
  .meta({ id: 'ApplyRequest' });

const note = z.object({ path: z.string(), line: z.number().int().optional(), message: z.string() });
export const applyResponse = z
  .object({
    action: z.enum(['created', 'updated', 'unchanged']),
    kind: z.enum(resourceKinds),
    name: z.string(),
    version: z.string().nullable(),
    resource: resourceSchema.nullable(),
    notes: z.array(note),
    dryRun: z.boolean(),
  })
  .meta({ id: 'ApplyResult' });

const yamlQuery = z.object({
  fileName: z.string().optional(),
  kind: z.enum(resourceKinds).optional(),
  dryRun: z.enum(['true', 'false']).optional(),
});

/** POST /apply: one Azure ML YAML file, as JSON ({text, uploads, ...}) or as raw application/yaml. */
export const applyRoutes: FastifyPluginAsyncZod<RouteOptions> = async (app, { context, config }) => {
  app.post(
    '/api/v1/workspaces/:workspace/apply',
    {
      schema: {
        tags: ['apply'],
        summary: 'Create or update a resource from an Azure ML v2 YAML file, idempotently',
        params: workspaceParams,
        querystring: yamlQuery,
        body: z.union([applyRequest, z.string().describe('raw YAML (Content-Type: application/yaml)')]),
        response: { 200: applyResponse, 201: applyResponse, 404: problemSchema, 409: problemSchema, 422: problemSchema },
      },
    },
    async (request, reply) => {
      const body =
        typeof request.body === 'string'
          ? {
              fileName: request.query.fileName ?? 'request',
              text: request.body,
              kind: request.query.kind,
              uploads: {},
              inlined: {},
              dryRun: request.query.dryRun === 'true',
            }
          : request.body;
      if (typeof request.body !== 'string' && request.headers['content-type']?.includes('yaml')) {
        throw new TrellisError('InvalidRequest', 400, 'send YAML as the raw body with Content-Type: application/yaml');
      }
      const result = await applyResource(context, callerOf(request, config.localUser), {
        workspace: request.params.workspace,
        fileName: body.fileName,
        text: body.text,
        ...(body.kind ? { expectedKind: body.kind } : {}),
        uploads: body.uploads,
        inlined: body.inlined,
        dryRun: body.dryRun,
      });
      return reply.status(result.action === 'created' && !result.dryRun ? 201 : 200).send(result);
    },
  );
};
