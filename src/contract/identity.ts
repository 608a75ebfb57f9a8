import { z } from 'zod';
import { auditEvent } from './audit.js';
import { problemSchema } from './problem.js';
import { defineRoute } from './route.js';

const tags = ['identity'];
const errors = { 400: problemSchema, 401: problemSchema, 403: problemSchema, 404: problemSchema, 409: problemSchema };

export const principalKind = z.enum(['user', 'group', 'servicePrincipal']);

export const principalSchema = z
  .object({
    name: z.string(),
    kind: principalKind,
    displayName: z.string().nullable(),
    createdBy: z.string(),
    createdAt: z.number().describe('milliseconds since the epoch'),
    members: z.array(z.string()).optional().describe("a group's members"),
    groups: z.array(z.string()).optional().describe('the groups a user or service principal belongs to'),
  })
  .meta({ id: 'Principal' });

export const tokenRecordSchema = z
  .object({
    id: z.string(),
    principal: z.string(),
    name: z.string(),
    kind: z.enum(['pat', 'session', 'job', 'deployment']),
    workspace: z.string().nullable(),
    identity: z.string().nullable(),
    createdBy: z.string(),
    createdAt: z.number(),
    expiresAt: z.number().nullable(),
    revokedAt: z.number().nullable(),
    lastUsedAt: z.number().nullable(),
  })
  .meta({ id: 'TokenRecord' });

const permissionSchema = z.object({
  actions: z.array(z.string()),
  notActions: z.array(z.string()),
  dataActions: z.array(z.string()),
  notDataActions: z.array(z.string()),
});

export const roleDefinitionSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    description: z.string(),
    type: z.enum(['BuiltInRole', 'CustomRole']),
    permissions: z.array(permissionSchema),
    assignableScopes: z.array(z.string()),
  })
  .meta({ id: 'RoleDefinition' });

export const roleAssignmentSchema = z
  .object({
    id: z.string(),
    roleId: z.string(),
    roleName: z.string(),
    principal: z.string(),
    scope: z.string(),
    createdBy: z.string(),
    createdAt: z.number(),
  })
  .meta({ id: 'RoleAssignment' });

export const whoamiSchema = z
  .object({
    kind: z.enum(['user', 'servicePrincipal']),
    name: z.string(),
    actor: z.string().describe('how the audit log names this caller'),
    via: z.enum(['local', 'token', 'oidc', 'session', 'job', 'deployment']),
    groups: z.array(z.string()),
    boundTo: z.object({ workspace: z.string(), identity: z.string() }).optional(),
    roles: z.array(z.object({ role: z.string(), scope: z.string() })),
  })
  .meta({ id: 'Whoami' });

const nameParams = z.object({ name: z.string() });

/** Principals, tokens, roles and role assignments. */
export const identityRoutes = {
  whoami: defineRoute('GET', '/api/v1/whoami', {
    tags,
    summary: 'Who the caller is, and the roles it holds where',
    response: { 200: whoamiSchema, 401: problemSchema },
  }),
  listPrincipals: defineRoute('GET', '/api/v1/principals', {
    tags,
    summary: 'List users, groups and service principals',
    querystring: z.object({ kind: principalKind.optional() }),
    response: { 200: z.object({ items: z.array(principalSchema) }), ...errors },
  }),
  createPrincipal: defineRoute('POST', '/api/v1/principals', {
    tags,
    summary: 'Create a user, group or service principal',
    body: z.object({ name: z.string(), kind: principalKind, displayName: z.string().optional() }).strict(),
    response: { 201: principalSchema, ...errors },
  }),
  getPrincipal: defineRoute('GET', '/api/v1/principals/:name', {
    tags,
    summary: 'Get a principal, with its members or groups',
    params: nameParams,
    response: { 200: principalSchema, ...errors },
  }),
  deletePrincipal: defineRoute('DELETE', '/api/v1/principals/:name', {
    tags,
    summary: 'Delete a principal, its tokens and its role assignments',
    params: nameParams,
    response: { 200: principalSchema, ...errors },
  }),
  addMember: defineRoute('POST', '/api/v1/principals/:name/members', {
    tags,
    summary: 'Add a user or service principal to a group',
    params: nameParams,
    body: z.object({ member: z.string() }).strict(),
    response: { 200: principalSchema, ...errors },
  }),
  removeMember: defineRoute('DELETE', '/api/v1/principals/:name/members/:member', {
    tags,
    summary: 'Remove a member from a group',
    params: nameParams.extend({ member: z.string() }),
    response: { 200: principalSchema, ...errors },
  }),
  createToken: defineRoute('POST', '/api/v1/tokens', {
    tags,
    summary: "Create a personal access token (the caller's, or a service principal's): the token is in this answer only",
    body: z
      .object({
        name: z.string().min(1).max(100),
        expiresIn: z.string().default('30d').describe("how long it lives: '30d', '12h', '90m' (at most 365d)"),
        principal: z
          .string()
          .optional()
          .describe('a service principal to make the token for (needs Microsoft.Authorization/principals/write)'),
      })
      .strict(),
    response: { 201: z.object({ token: z.string(), record: tokenRecordSchema }), ...errors },
  }),
  listTokens: defineRoute('GET', '/api/v1/tokens', {
    tags,
    summary: "List the caller's tokens (or a service principal's), never the tokens themselves",
    querystring: z.object({
      principal: z.string().optional(),
      workloads: z
        .enum(['true', 'false'])
        .default('false')
        .describe("'true': the tokens of jobs and deployments acting with the principal's rights, instead of its personal access tokens"),
    }),
    response: { 200: z.object({ items: z.array(tokenRecordSchema) }), ...errors },
  }),
  revokeToken: defineRoute('DELETE', '/api/v1/tokens/:id', {
    tags,
    summary: 'Revoke a token',
    params: z.object({ id: z.string() }),
    response: { 200: tokenRecordSchema, ...errors },
  }),
  listRoles: defineRoute('GET', '/api/v1/role-definitions', {
    tags,
    summary: "List role definitions: Azure's built-in roles and the custom ones",
    response: { 200: z.object({ items: z.array(roleDefinitionSchema) }), ...errors },
  }),
  putRole: defineRoute('POST', '/api/v1/role-definitions', {
    tags,
    summary: "Create or replace a custom role from Azure's role definition file (az role definition create --role-definition)",
    body: z.record(z.string(), z.unknown()),
    response: { 200: roleDefinitionSchema, 201: roleDefinitionSchema, ...errors },
  }),
  getRole: defineRoute('GET', '/api/v1/role-definitions/:role', {
    tags,
    summary: 'Get a role definition by name or id',
    params: z.object({ role: z.string() }),
    response: { 200: roleDefinitionSchema, ...errors },
  }),
  deleteRole: defineRoute('DELETE', '/api/v1/role-definitions/:role', {
    tags,
    summary: 'Delete a custom role that nothing is assigned',
    params: z.object({ role: z.string() }),
    response: { 200: roleDefinitionSchema, ...errors },
  }),
  actions: defineRoute('GET', '/api/v1/actions', {
    tags,
    summary: "Every action Trellis's routes check, for writing roles",
    response: { 200: z.object({ items: z.array(z.string()) }), 401: problemSchema },
  }),
  listAssignments: defineRoute('GET', '/api/v1/role-assignments', {
    tags,
    summary: 'List role assignments at a scope (default: the server) or of an assignee',
    querystring: z.object({ scope: z.string().optional(), assignee: z.string().optional() }),
    response: { 200: z.object({ items: z.array(roleAssignmentSchema) }), ...errors },
  }),
  createAssignment: defineRoute('POST', '/api/v1/role-assignments', {
    tags,
    summary: 'Assign a role to a user, group or service principal at a scope',
    body: z.object({ role: z.string(), assignee: z.string(), scope: z.string().default('/') }).strict(),
    response: { 201: roleAssignmentSchema, ...errors },
  }),
  deleteAssignment: defineRoute('DELETE', '/api/v1/role-assignments/:id', {
    tags,
    summary: 'Delete a role assignment',
    params: z.object({ id: z.string() }),
    response: { 200: roleAssignmentSchema, ...errors },
  }),
  serverAudit: defineRoute('GET', '/api/v1/audit', {
    tags: ['audit'],
    summary: 'Read the audit log of the server scope (principals, roles, assignments at /), newest first',
    querystring: z.object({ limit: z.coerce.number().int().min(1).max(1000).default(100), pageToken: z.string().optional() }),
    response: { 200: z.object({ items: z.array(auditEvent), nextPageToken: z.string().nullable() }), ...errors },
  }),
};
