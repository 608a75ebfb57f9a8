import { z } from 'zod';
import { type RegistryKind, registryKindSegments } from '../core/registries/registry-asset-id.js';
import { resourceSchema } from '../core/resources/resource.js';
import { workspaceParams } from './common.js';
import { problemSchema } from './problem.js';
import { defineRoute } from './route.js';

const errors = { 400: problemSchema, 403: problemSchema, 404: problemSchema, 409: problemSchema, 422: problemSchema };

/** A registry as the API answers it (`az ml registry show`), with where its assets are reached. */
export const registrySchema = z
  .object({
    name: z.string(),
    location: z.string().nullable(),
    replication_locations: z.array(z.object({ location: z.string(), storage_config: z.record(z.string(), z.unknown()).optional() })),
    public_network_access: z.enum(['Enabled', 'Disabled']),
    intellectual_property: z.object({ publisher: z.string(), protection_level: z.enum(['all', 'none']).optional() }).optional(),
    tags: z.record(z.string(), z.string()),
    description: z.string().nullable(),
    storage: z
      .string()
      .describe("the storage space its assets are served from: '@<name>' in the workspace routes (trellis ... --registry-name)"),
    createdBy: z.string(),
    createdAt: z.number(),
    updatedAt: z.number(),
    etag: z.string(),
  })
  .meta({ id: 'Registry' });

const registryParams = z.object({ registry: z.string().describe('registry name') });
const base = '/api/v1/registries';
const tags = ['registries'];

/** Azure ML registries: assets shared by several workspaces, promoted from one with their provenance. */
export const registryRoutes = {
  list: defineRoute('GET', base, {
    tags,
    summary: 'The registries the caller holds a role at (all of them for a role at the server)',
    response: { 200: z.object({ items: z.array(registrySchema) }), ...errors },
  }),
  create: defineRoute('POST', base, {
    tags,
    summary: 'Create a registry from its Azure ML file (name, location, replication_locations, tags), as JSON',
    body: z.record(z.string(), z.unknown()),
    response: { 201: registrySchema, ...errors },
  }),
  get: defineRoute('GET', `${base}/:registry`, {
    tags,
    summary: 'One registry',
    params: registryParams,
    response: { 200: registrySchema, ...errors },
  }),
  delete: defineRoute('DELETE', `${base}/:registry`, {
    tags,
    summary: 'Delete a registry: an empty one, or with force=true everything it holds',
    params: registryParams,
    querystring: z.object({ force: z.enum(['true', 'false']).optional() }),
    response: { 200: registrySchema, ...errors },
  }),
};

const shareBody = z
  .object({
    registryName: z.string().min(1).describe('the registry to share into'),
    shareWithName: z.string().min(1).optional().describe("the name in the registry; the asset's own by default"),
    shareWithVersion: z.string().min(1).optional().describe("the version in the registry; the asset's own by default"),
  })
  .strict();

/** POST .../<kind>/:name/versions/:version/share: `az ml model share` (and environment, component, data). */
export function shareRoute<Kind extends RegistryKind>(kind: Kind) {
  return defineRoute('POST', `/api/v1/workspaces/:workspace/${registryKindSegments[kind]}/:name/versions/:version/share`, {
    tags: [kind, ...tags],
    summary: `Share a ${kind} version into a registry (az ml ${kind} share): a copy with its provenance${kind === 'model' ? '; a model whose evaluation failed is refused' : ''}`,
    params: workspaceParams.extend({ name: z.string(), version: z.string() }),
    body: shareBody,
    response: { 201: resourceSchema, ...errors },
  });
}
