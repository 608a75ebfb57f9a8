import { z } from 'zod';
import { resourceKinds } from '../core/resources/kinds.js';
import { resourceSchema } from '../core/resources/resource.js';
import { problemSchema } from './problem.js';
import { defineRoute } from './route.js';
import { workspaceParams } from './common.js';

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

/** One Azure ML YAML file with the uploads and inlined files it refers to. */
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

/** What applying a file did: created, updated or left unchanged, with notes. */
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
export const applyRoutes = {
  apply: defineRoute('POST', '/api/v1/workspaces/:workspace/apply', {
    tags: ['apply'],
    summary: 'Create or update a resource from an Azure ML v2 YAML file, idempotently',
    params: workspaceParams,
    querystring: yamlQuery,
    body: z.union([applyRequest, z.string().describe('raw YAML (Content-Type: application/yaml)')]),
    response: { 200: applyResponse, 201: applyResponse, 404: problemSchema, 409: problemSchema, 422: problemSchema },
  }),
};
