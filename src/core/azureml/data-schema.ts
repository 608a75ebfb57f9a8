import { z } from 'zod';
import { readOnlyFields, readOnlyShape } from './read-only-fields.js';
import { assetFields, azureEnum, closedObject } from './schema-helpers.js';

export const dataTypes = ['uri_file', 'uri_folder', 'mltable'] as const;

/**
 * A data asset (az ml data create), after azure-ai-ml's DataSchema. `path` is a local file or
 * folder (uploaded) or a URI (https, wasbs, abfss, azureml://...). Azure defaults `type` to
 * uri_folder (entities/_assets/_artifacts/data.py).
 */
export const dataSchema = closedObject(
  {
    ...assetFields,
    ...readOnlyShape('data'),
    type: azureEnum(dataTypes).default('uri_folder'),
    path: z.string().min(1, 'must not be empty'),
    datastore: z.string().optional(),
  },
  readOnlyFields.data,
);
