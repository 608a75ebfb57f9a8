import { z } from 'zod';
import { readOnlyFields, readOnlyShape } from './read-only-fields.js';
import { azureEnum, closedObject, freeMapping, resourceFields, versionField } from './schema-helpers.js';

export const modelTypes = ['custom_model', 'mlflow_model', 'triton_model'] as const;

/** Azure's default model type (entities/_assets/_artifacts/model.py), for a registered model and an inline one alike. */
export const defaultModelType = 'custom_model' satisfies (typeof modelTypes)[number];

const deploymentTemplateReference = closedObject({ asset_id: z.string().optional() });

/**
 * A model (az ml model create), after azure-ai-ml's ModelSchema. Unlike the other assets it
 * has no auto_delete_setting, and it has properties, stage and flavors. Azure defaults `type`
 * to custom_model (entities/_assets/_artifacts/model.py); `path` is required because a model
 * version is registered from files (local, or a URI such as azureml://jobs/<run>/outputs/...).
 */
export const modelSchema = closedObject(
  {
    ...resourceFields,
    ...readOnlyShape('model'),
    version: versionField.optional(),
    type: azureEnum(modelTypes).default(defaultModelType),
    path: z.string().min(1, 'must not be empty'),
    properties: freeMapping.optional(),
    stage: z.string().optional(),
    flavors: freeMapping.optional(),
    datastore: z.string().optional(),
    system_metadata: freeMapping.optional(),
    default_deployment_template: deploymentTemplateReference.optional(),
    allowed_deployment_templates: z.array(deploymentTemplateReference).optional(),
  },
  readOnlyFields.model,
);
