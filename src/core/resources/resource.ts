import { z } from 'zod';
import { resourceKinds } from './kinds.js';

/** Tags are string to string, as in Azure ML. */
export const tagsSchema = z.record(z.string(), z.string());
export type Tags = z.infer<typeof tagsSchema>;

/**
 * The one shape every resource has, as the REST API returns it. `spec` is what the user
 * asked for (the Azure ML YAML, normalised); `status` is what Trellis observed.
 */
export const resourceSchema = z
  .object({
    kind: z.enum(resourceKinds),
    workspace: z.string(),
    name: z.string(),
    version: z.string().nullable().describe('set for assets (environment, data, code, model); null otherwise'),
    spec: z.record(z.string(), z.unknown()),
    status: z.record(z.string(), z.unknown()),
    tags: tagsSchema,
    description: z.string().nullable(),
    createdBy: z.string(),
    createdAt: z.string().describe('ISO 8601 timestamp'),
    updatedAt: z.string().describe('ISO 8601 timestamp'),
    etag: z.string().describe('opaque; send it back as If-Match to update or delete'),
  })
  .meta({ id: 'Resource' });
export type Resource = z.infer<typeof resourceSchema>;

/** What a writer supplies; the store fills in the audit fields and the etag. */
export interface ResourceDraft {
  kind: Resource['kind'];
  workspace: string;
  name: string;
  version: string | null;
  spec: Record<string, unknown>;
  status: Record<string, unknown>;
  tags: Tags;
  description: string | null;
}
