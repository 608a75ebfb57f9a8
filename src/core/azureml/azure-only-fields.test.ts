import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { resourceKinds, type ResourceKind } from '../resources/kinds.js';
import { azureOnlyComputeTypes, azureOnlyFields } from './azure-only-fields.js';
import { codeSchema } from './code-schema.js';
import { componentSchema } from './component-schema.js';
import { computeSchema, computeTypes } from './compute-schema.js';
import { dataSchema } from './data-schema.js';
import { environmentSchema } from './environment-schema.js';
import { modelSchema } from './model-schema.js';
import { readOnlyFields } from './read-only-fields.js';
import { workspaceSchema } from './workspace-schema.js';

// The top-level fields each kind's schema accepts.
const accepted: Record<ResourceKind, string[]> = {
  workspace: Object.keys(workspaceSchema.shape),
  environment: Object.keys(environmentSchema.shape),
  data: Object.keys(dataSchema.shape),
  code: Object.keys(codeSchema.shape),
  model: Object.keys(modelSchema.shape),
  component: Object.keys(componentSchema.shape),
  compute: computeSchema.out.options.flatMap((option) => Object.keys(option.shape)),
};

describe('azure-only and read-only field lists', () => {
  it('name only fields the schemas accept', () => {
    for (const kind of resourceKinds) {
      for (const field of [...Object.keys(azureOnlyFields[kind]), ...readOnlyFields[kind]]) {
        assert.ok(accepted[kind].includes(field), `${kind}: ${field}`);
      }
    }
  });

  it('give a one-line reason for each field', () => {
    for (const kind of resourceKinds) {
      for (const reason of Object.values(azureOnlyFields[kind])) assert.match(reason, /^[^\n]{10,120}$/);
    }
  });

  it('name only compute types that exist', () => {
    for (const type of Object.keys(azureOnlyComputeTypes)) assert.ok((computeTypes as readonly string[]).includes(type), type);
  });
});
