import { z } from 'zod';
import { resourceSchema } from '../core/resources/resource.js';

export const workspaceParams = z.object({ workspace: z.string().describe('workspace name') });

export const listQuery = z.object({
  limit: z.coerce.number().int().min(1).max(1000).default(100).describe('page size, 1-1000'),
  pageToken: z.string().optional().describe('nextPageToken of the previous page'),
  tag: z
    .union([z.string(), z.array(z.string())])
    .optional()
    .describe('filter by tag: key=value, or key for any value; repeat for AND'),
});

export const resourcePage = z.object({ items: z.array(resourceSchema), nextPageToken: z.string().nullable() }).meta({ id: 'ResourcePage' });

export const metadataPatch = z
  .object({
    tags: z.record(z.string(), z.string()).optional(),
    description: z.string().nullable().optional(),
    spec: z.record(z.string(), z.unknown()).optional().describe('mutable kinds only (compute, workspace); assets are immutable'),
  })
  .strict();

/** `?tag=a=b&tag=c` → [{key:'a', value:'b'}, {key:'c'}] */
export function parseTagFilters(tag: string | string[] | undefined): Array<{ key: string; value?: string }> {
  const items = tag === undefined ? [] : Array.isArray(tag) ? tag : [tag];
  return items.map((item) => {
    const equals = item.indexOf('=');
    return equals < 0 ? { key: item } : { key: item.slice(0, equals), value: item.slice(equals + 1) };
  });
}
