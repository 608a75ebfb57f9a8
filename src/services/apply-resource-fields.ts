import { resourceFromFields } from '../core/azureml/resource-from-fields.js';
import type { ResourceKind } from '../core/resources/kinds.js';
import type { ResourceFileOf } from '../core/resources/resource-spec.js';
import { applyParsedResource, type ApplyResult, type UploadedContent } from './apply-resource.js';
import type { Caller, Context } from './context.js';

/** A resource Trellis builds itself: its kind, its fields as a file would write them, and where it goes. */
export interface ResourceFieldsInput<Kind extends ResourceKind> {
  workspace: string;
  kind: Kind;
  fields: ResourceFileOf<Kind>;
  /** What problems and notes name: what built the resource (`serverless compute`, `output 'model' of job j1`). */
  fileName: string;
  /** Content already stored for a local `path:` of the fields, keyed by that path. */
  uploads?: Record<string, UploadedContent>;
}

/**
 * Creates or updates a resource that Trellis builds (not a user's file): validated by the same
 * schema as `trellis apply`, with no YAML text in between, then applied as applyResource does.
 */
export async function applyResourceFields<Kind extends ResourceKind>(
  context: Context,
  caller: Caller,
  input: ResourceFieldsInput<Kind>,
): Promise<ApplyResult> {
  const parsed = resourceFromFields(input.kind, input.fields, input.fileName);
  return applyParsedResource(context, caller, parsed, {
    workspace: input.workspace,
    fileName: input.fileName,
    uploads: input.uploads ?? {},
    inlined: {},
    dryRun: false,
  });
}
