import { z } from 'zod';
import { type ResourceKind, resourceKinds } from './kinds.js';
import type { SpecOf } from './resource-spec.js';

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

/** A resource as the REST API sends it: `spec` is any mapping (the wire format). */
export type ResourceRecord = z.infer<typeof resourceSchema>;

type ResourceWithKind<Kind extends ResourceKind> = Omit<ResourceRecord, 'kind' | 'spec'> & { kind: Kind; spec: SpecOf<Kind> };

/** Any resource: a union discriminated by `kind`, each with its kind's spec; narrow it with `isKind` or a check of `kind`. */
export type Resource = { [Kind in ResourceKind]: ResourceWithKind<Kind> }[ResourceKind];

/** A resource of kind `Kind` (`ResourceOf<'compute'>`), or of any of several kinds when `Kind` is a union. */
export type ResourceOf<Kind extends ResourceKind> = Extract<Resource, { kind: Kind }>;

/** True when `resource` is of kind `kind`; narrows its spec to that kind's. */
export function isKind<Kind extends ResourceKind>(resource: Resource, kind: Kind): resource is ResourceOf<Kind> {
  return resource.kind === kind;
}

/** What a writer supplies; the store fills in the audit fields and the etag. */
export interface ResourceDraft<Kind extends ResourceKind = ResourceKind> {
  kind: Kind;
  workspace: string;
  name: string;
  version: string | null;
  spec: SpecOf<Kind>;
  status: Record<string, unknown>;
  tags: Tags;
  description: string | null;
}
