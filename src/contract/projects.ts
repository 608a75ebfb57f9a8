import { z } from 'zod';
import { principalKind, tokenRecordSchema } from './identity.js';
import { problemSchema } from './problem.js';
import { defineRoute } from './route.js';

const tags = ['project'];
const errors = { 400: problemSchema, 401: problemSchema, 403: problemSchema, 404: problemSchema, 409: problemSchema };

export const projectSchema = z
  .object({
    name: z.string(),
    workspaces: z.array(
      z.object({
        name: z.string(),
        stage: z.enum(['dev', 'prod']),
        assignments: z.array(
          z.object({
            id: z.string(),
            principal: z.string(),
            principalKind,
            role: z.string(),
            writes: z.boolean().describe('the role grants production writes: models, data, jobs, endpoints'),
          }),
        ),
      }),
    ),
    warnings: z.array(z.string()).describe('principals other than service principals that may write in prod'),
  })
  .meta({ id: 'Project' });

export const projectCreationSchema = projectSchema
  .extend({
    changes: z.array(z.string()).describe('what this call changed; empty when the project already was as asked'),
    ciToken: z
      .object({ token: z.string(), record: tokenRecordSchema })
      .nullable()
      .describe("the CI principal's new token, in this answer only; null when it already holds a live one of the project's"),
  })
  .meta({ id: 'ProjectCreation' });

/** Projects: a dev and a prod workspace with the role assignments that keep them apart. */
export const projectRoutes = {
  create: defineRoute('POST', '/api/v1/projects', {
    tags,
    summary:
      "Create a project's dev and prod workspaces, its CI service principal and role assignments, or converge an existing one (idempotent)",
    body: z
      .object({
        name: z.string().describe("the project: its workspaces are '<name>-dev' and '<name>-prod'"),
        members: z.array(z.string()).default([]).describe('users or groups: AzureML Data Scientist in dev, Reader in prod'),
        ciPrincipal: z.string().optional().describe("the CI service principal (default '<name>-ci'), created when missing"),
        tokenExpiresIn: z.string().default('90d').describe("how long the CI principal's token lives when one is issued (at most 365d)"),
      })
      .strict(),
    response: { 200: projectCreationSchema, 201: projectCreationSchema, ...errors },
  }),
  list: defineRoute('GET', '/api/v1/projects', {
    tags,
    summary: 'List projects, their workspaces and who holds which role there',
    response: { 200: z.object({ items: z.array(projectSchema) }), ...errors },
  }),
  get: defineRoute('GET', '/api/v1/projects/:name', {
    tags,
    summary: 'Get a project: its workspaces and who holds which role there',
    params: z.object({ name: z.string() }),
    response: { 200: projectSchema, ...errors },
  }),
};
