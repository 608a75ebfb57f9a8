import { z } from 'zod';
import { namedParams, resourceErrors as errors, workspaceParams } from './common.js';
import { defineRoute } from './route.js';

/** A datastore as answered: how it signs in, never the secret. */
export const datastoreSchema = z
  .object({
    workspace: z.string(),
    name: z.string(),
    description: z.string().nullable(),
    tags: z.record(z.string(), z.string()),
    spec: z
      .looseObject({ type: z.string() })
      .describe(
        "what the datastore points at: account_name/container_name (azure_blob), bucket (s3), or the workspace's own store (trellis)",
      ),
    credentials: z
      .object({ type: z.enum(['account_key', 'sas', 'service_principal', 's3_keys', 'none']) })
      .describe('how it signs in; the secret itself is sealed in the store and never answered'),
    isBuiltIn: z.boolean(),
    createdBy: z.string(),
    createdAt: z.number(),
    updatedAt: z.number(),
  })
  .meta({ id: 'Datastore' });

export const datastoreCreateSchema = z
  .object({
    yaml: z.string().min(1, 'must not be empty: the datastore YAML').max(100_000),
    fileName: z.string().default('datastore.yml'),
    name: z.string().optional().describe('overrides the name in the file'),
  })
  .strict()
  .meta({ id: 'DatastoreCreate' });

const tags = ['datastores'];
const datastores = '/api/v1/workspaces/:workspace/datastores';

/** Datastores of a workspace (`trellis datastore create|show|list|delete`). */
export const datastoreRoutes = {
  create: defineRoute('POST', datastores, {
    tags,
    summary:
      'Create or replace a datastore from its Azure ML YAML; Trellis reaches the storage with its credentials first (400 with the reason when it cannot)',
    params: workspaceParams,
    body: datastoreCreateSchema,
    response: { 201: datastoreSchema, ...errors },
  }),
  list: defineRoute('GET', datastores, {
    tags,
    summary: "The workspace's datastores, the built-in workspaceblobstore and workspaceartifactstore first",
    params: workspaceParams,
    response: { 200: z.object({ items: z.array(datastoreSchema) }), ...errors },
  }),
  get: defineRoute('GET', `${datastores}/:name`, {
    tags,
    summary: 'One datastore, without its secret',
    params: namedParams,
    response: { 200: datastoreSchema, ...errors },
  }),
  delete: defineRoute('DELETE', `${datastores}/:name`, {
    tags,
    summary: 'Delete a datastore (not the files it points at); the built-in ones cannot be deleted',
    params: namedParams,
    response: { 204: z.null(), ...errors },
  }),
};
