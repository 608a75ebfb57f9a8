import { z } from 'zod';
import { isAssetKind, kindSegments, type ResourceKind } from '../core/resources/kinds.js';
import { resourceSchema } from '../core/resources/resource.js';
import { applyResponse } from './apply.js';
import { listQuery, metadataPatch, namedParams, resourceErrors, resourcePage, workspaceParams } from './common.js';
import { defineRoute } from './route.js';

/** Every kind a workspace holds (all but workspace itself). */
export type ContainedKind = Exclude<ResourceKind, 'workspace'>;

const resourceBody = z.record(z.string(), z.unknown()).describe('the Azure ML v2 YAML of this kind, as JSON');
const versionParams = namedParams.extend({ version: z.string().describe("a version, or 'latest'") });
const archiveQuery = z.object({ version: z.string().min(1).optional().describe('one version; without it, every version of the name') });

/** The routes every kind has: list, and create or update from the Azure ML definition. */
export function kindRoutes(kind: ContainedKind) {
  const base = `/api/v1/workspaces/:workspace/${kindSegments[kind]}`;
  const tags = [kind];
  return {
    list: defineRoute('GET', base, {
      tags,
      summary: `List ${kind}${isAssetKind(kind) ? ' (newest version of each name)' : ''}`,
      params: workspaceParams,
      querystring: listQuery,
      response: { 200: resourcePage, ...resourceErrors },
    }),
    create: defineRoute('POST', base, {
      tags,
      summary: `Create or update a ${kind} from its Azure ML definition (idempotent)`,
      params: workspaceParams,
      body: resourceBody,
      response: { 200: applyResponse, 201: applyResponse, ...resourceErrors },
    }),
  };
}

/** The routes of an asset kind (environment, data, code, model): one version at a time, `latest` resolves. */
export function assetRoutes(kind: ContainedKind) {
  const base = `/api/v1/workspaces/:workspace/${kindSegments[kind]}`;
  const one = `${base}/:name/versions/:version`;
  const tags = [kind];
  return {
    versions: defineRoute('GET', `${base}/:name/versions`, {
      tags,
      summary: `List the versions of a ${kind}, newest first`,
      params: namedParams,
      querystring: listQuery,
      response: { 200: resourcePage, ...resourceErrors },
    }),
    get: defineRoute('GET', one, {
      tags,
      summary: `Get one ${kind} version`,
      params: versionParams,
      response: { 200: resourceSchema, ...resourceErrors },
    }),
    put: defineRoute('PUT', one, {
      tags,
      summary: `Create a ${kind} version (unchanged if identical; 409 if it differs)`,
      params: versionParams,
      body: resourceBody,
      response: { 200: applyResponse, 201: applyResponse, ...resourceErrors },
    }),
    patch: defineRoute('PATCH', one, {
      tags,
      summary: `Change tags or description of a ${kind} version (If-Match required)`,
      params: versionParams,
      body: metadataPatch,
      response: { 200: resourceSchema, ...resourceErrors },
    }),
    delete: defineRoute('DELETE', one, {
      tags,
      summary: `Delete a ${kind} version`,
      params: versionParams,
      response: { 200: resourceSchema, ...resourceErrors },
    }),
    archive: defineRoute('POST', `${base}/:name/archive`, {
      tags,
      summary: `Archive a ${kind} version, or every version of the name: left out of lists and @latest, still usable by its version`,
      params: namedParams,
      querystring: archiveQuery,
      response: { 200: resourcePage, ...resourceErrors },
    }),
    restore: defineRoute('POST', `${base}/:name/restore`, {
      tags,
      summary: `Restore an archived ${kind} version, or every version of the name`,
      params: namedParams,
      querystring: archiveQuery,
      response: { 200: resourcePage, ...resourceErrors },
    }),
  };
}

/** The routes of a kind addressed by name alone (compute). */
export function namedRoutes(kind: ContainedKind) {
  const one = `/api/v1/workspaces/:workspace/${kindSegments[kind]}/:name`;
  const tags = [kind];
  return {
    get: defineRoute('GET', one, {
      tags,
      summary: `Get a ${kind}`,
      params: namedParams,
      response: { 200: resourceSchema, ...resourceErrors },
    }),
    put: defineRoute('PUT', one, {
      tags,
      summary: `Create or update a ${kind} from its Azure ML definition (idempotent)`,
      params: namedParams,
      body: resourceBody,
      response: { 200: applyResponse, 201: applyResponse, ...resourceErrors },
    }),
    patch: defineRoute('PATCH', one, {
      tags,
      summary: `Change a ${kind} (If-Match required)`,
      params: namedParams,
      body: metadataPatch,
      response: { 200: resourceSchema, ...resourceErrors },
    }),
    delete: defineRoute('DELETE', one, {
      tags,
      summary: `Delete a ${kind}`,
      params: namedParams,
      response: { 200: resourceSchema, ...resourceErrors },
    }),
  };
}

const containedKinds = Object.keys(kindSegments) as [ContainedKind, ...ContainedKind[]];

/** Resolving a reference (name:version, name@latest, azureml:...) to the resource it names. */
export const resolveRoute = defineRoute('GET', '/api/v1/workspaces/:workspace/resolve', {
  tags: ['resolve'],
  summary: 'Resolve a reference: name:version, name@latest, azureml:name:version, azureml:name@latest',
  params: workspaceParams,
  querystring: z.object({ kind: z.enum(containedKinds), reference: z.string() }),
  response: { 200: resourceSchema, ...resourceErrors },
});
