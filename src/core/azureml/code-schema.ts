import { z } from 'zod';
import { readOnlyFields, readOnlyShape } from './read-only-fields.js';
import { assetFields, closedObject } from './schema-helpers.js';

/**
 * A code asset (az ml code create), after azure-ai-ml's CodeAssetSchema: a local folder or file
 * to upload, or a URI to one. Azure's schema leaves `path` optional, but a code asset without
 * one has nothing in it, so Trellis requires it.
 */
export const codeSchema = closedObject(
  {
    ...assetFields,
    ...readOnlyShape('code'),
    path: z.string().min(1, 'must not be empty'),
    datastore: z.string().optional(),
  },
  readOnlyFields.code,
);
