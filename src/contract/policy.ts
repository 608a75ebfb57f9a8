import { z } from 'zod';
import { enforcementModes, exemptionCategories } from '../core/policy/policy-assignment.js';
import { policyEffects } from '../core/policy/policy-effect.js';
import { workspaceParams } from './common.js';
import { problemSchema } from './problem.js';
import { defineRoute } from './route.js';

const errors = { 400: problemSchema, 401: problemSchema, 403: problemSchema, 404: problemSchema, 409: problemSchema, 422: problemSchema };
const tags = ['policy'];

export const policyDefinitionSchema = z
  .object({
    name: z.string().describe("the definition's name: a GUID for Azure's built-ins"),
    displayName: z.string().nullable(),
    description: z.string().nullable(),
    policyType: z.enum(['BuiltIn', 'Custom']),
    mode: z.string(),
    file: z.string().nullable().describe("a built-in's file in policies/azure-machine-learning"),
    parameters: z.record(z.string(), z.unknown()),
    policyRule: z.object({ if: z.unknown(), then: z.object({ effect: z.string(), details: z.unknown().optional() }) }),
  })
  .meta({ id: 'PolicyDefinition' });

export const policyAssignmentSchema = z
  .object({
    name: z.string(),
    scope: z.string().describe("'/' (the server) or /workspaces/<name>"),
    definition: z.string(),
    displayName: z.string().nullable().describe("the definition's display name"),
    parameters: z.record(z.string(), z.unknown()),
    enforcementMode: z.enum(enforcementModes),
    description: z.string().nullable(),
    createdBy: z.string(),
    createdAt: z.number(),
  })
  .meta({ id: 'PolicyAssignment' });

export const policyExemptionSchema = z
  .object({
    name: z.string(),
    assignment: z.string(),
    scope: z.string().describe('the resource (or workspace) exempted'),
    category: z.enum(exemptionCategories),
    reason: z.string(),
    expiresAt: z.number().nullable(),
    createdBy: z.string(),
    createdAt: z.number(),
  })
  .meta({ id: 'PolicyExemption' });

export const policyStateSchema = z
  .object({
    resourceId: z.string(),
    resourceType: z.string(),
    workspace: z.string(),
    assignment: z.string(),
    definition: z.string(),
    displayName: z.string().nullable(),
    effect: z.enum(policyEffects),
    enforcementMode: z.enum(enforcementModes),
    compliance: z.enum(['Compliant', 'NonCompliant', 'NotApplicable', 'Exempt']),
    reasons: z.array(z.string()).describe('the conditions that held, in words'),
    note: z.string().nullable().describe('why it is not applicable or exempt'),
  })
  .meta({ id: 'PolicyState' });

export const policyAliasSchema = z
  .object({ name: z.string(), type: z.string(), meaning: z.string(), modifiable: z.boolean() })
  .meta({ id: 'PolicyAlias' });

const named = z.object({ name: z.string() });

/** Azure Policy on Trellis: definitions (Azure's built-ins and custom ones), assignments, exemptions, compliance. */
export const policyRoutes = {
  listDefinitions: defineRoute('GET', '/api/v1/policy-definitions', {
    tags,
    summary: "Policy definitions: Azure's built-in Machine Learning ones and the custom ones written here",
    response: { 200: z.object({ items: z.array(policyDefinitionSchema) }), ...errors },
  }),
  getDefinition: defineRoute('GET', '/api/v1/policy-definitions/:name', {
    tags,
    summary: 'One definition, by name, display name or (built-ins) file name',
    params: named,
    response: { 200: policyDefinitionSchema, ...errors },
  }),
  putDefinition: defineRoute('POST', '/api/v1/policy-definitions', {
    tags,
    summary: 'Create or replace a custom definition from Azure Policy JSON (the whole file or its properties)',
    body: z.object({ name: z.string().min(1), definition: z.record(z.string(), z.unknown()) }).strict(),
    response: { 200: policyDefinitionSchema, 201: policyDefinitionSchema, ...errors },
  }),
  deleteDefinition: defineRoute('DELETE', '/api/v1/policy-definitions/:name', {
    tags,
    summary: 'Delete a custom definition that is not assigned',
    params: named,
    response: { 200: z.object({ deleted: z.string() }), ...errors },
  }),
  listAliases: defineRoute('GET', '/api/v1/policy-aliases', {
    tags,
    summary: 'The aliases definitions may name, and the Trellis field each reads',
    response: { 200: z.object({ items: z.array(policyAliasSchema) }), ...errors },
  }),
  listAssignments: defineRoute('GET', '/api/v1/policy-assignments', {
    tags,
    summary: "Assignments at a scope ('/' by default: the server's), or reaching a workspace (scope /workspaces/<name>)",
    querystring: z.object({ scope: z.string().optional() }),
    response: { 200: z.object({ items: z.array(policyAssignmentSchema) }), ...errors },
  }),
  createAssignment: defineRoute('POST', '/api/v1/policy-assignments', {
    tags,
    summary: 'Assign a definition at the server or a workspace, with parameter values and optionally its effect',
    body: z
      .object({
        name: z.string(),
        definition: z.string(),
        scope: z.string().default('/'),
        parameters: z.record(z.string(), z.unknown()).default({}),
        effect: z.string().optional(),
        enforcement_mode: z.string().default('Default'),
        description: z.string().optional(),
      })
      .strict(),
    response: { 201: policyAssignmentSchema, ...errors },
  }),
  getAssignment: defineRoute('GET', '/api/v1/policy-assignments/:name', {
    tags,
    summary: 'One assignment',
    params: named,
    response: { 200: policyAssignmentSchema, ...errors },
  }),
  deleteAssignment: defineRoute('DELETE', '/api/v1/policy-assignments/:name', {
    tags,
    summary: 'Delete an assignment and its exemptions',
    params: named,
    response: { 200: z.object({ deleted: z.string() }), ...errors },
  }),
  listExemptions: defineRoute('GET', '/api/v1/policy-exemptions', {
    tags,
    summary: 'Exemptions, all or of one assignment',
    querystring: z.object({ assignment: z.string().optional() }),
    response: { 200: z.object({ items: z.array(policyExemptionSchema) }), ...errors },
  }),
  createExemption: defineRoute('POST', '/api/v1/policy-exemptions', {
    tags,
    summary: 'Exempt a resource (or a workspace) from an assignment, with a category, a reason and an expiry',
    body: z
      .object({
        name: z.string(),
        assignment: z.string(),
        scope: z.string(),
        category: z.string().default('Waiver'),
        reason: z.string(),
        expires_at: z.string().optional(),
      })
      .strict(),
    response: { 201: policyExemptionSchema, ...errors },
  }),
  deleteExemption: defineRoute('DELETE', '/api/v1/policy-exemptions/:name', {
    tags,
    summary: 'Delete an exemption',
    params: named,
    response: { 200: z.object({ deleted: z.string() }), ...errors },
  }),
  states: defineRoute('GET', '/api/v1/workspaces/:workspace/policy-states', {
    tags,
    summary: 'The compliance of every resource of the workspace with every assignment reaching it',
    params: workspaceParams,
    querystring: z.object({ compliance: z.enum(['Compliant', 'NonCompliant', 'NotApplicable', 'Exempt']).optional() }),
    response: {
      200: z.object({
        items: z.array(policyStateSchema),
        summary: z.object({ resources: z.number().int(), nonCompliant: z.number().int(), compliant: z.number().int() }),
      }),
      ...errors,
    },
  }),
};
