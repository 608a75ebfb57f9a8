import type { z } from 'zod';
import type { codeSchema } from '../azureml/code-schema.js';
import type { componentSchema } from '../azureml/component-schema.js';
import type { ComputeVariantsSchema, computeSchema } from '../azureml/compute-schema.js';
import type { dataSchema } from '../azureml/data-schema.js';
import type { environmentSchema } from '../azureml/environment-schema.js';
import type { modelSchema } from '../azureml/model-schema.js';
import type { workspaceSchema } from '../azureml/workspace-schema.js';
import type { ResourceKind } from './kinds.js';

/** The fields of a file that have columns of their own (or are dropped), so are not in the spec. */
export type NotInSpec = '$schema' | 'name' | 'version' | 'description' | 'tags';

/** A validated file's fields minus `NotInSpec`, per member of a union (a compute's `type`); unknown fields stay `unknown`. */
type SpecFields<File> = File extends unknown ? { [Field in keyof File as Field extends NotInSpec ? never : Field]: File[Field] } : never;

/** Each kind's validated file (the zod schema's output, Azure's defaults applied). */
interface FileMap {
  workspace: z.output<typeof workspaceSchema>;
  environment: z.output<typeof environmentSchema>;
  data: z.output<typeof dataSchema>;
  code: z.output<typeof codeSchema>;
  model: z.output<typeof modelSchema>;
  component: z.output<typeof componentSchema>;
  compute: z.output<typeof computeSchema>;
}

/** Each kind's file as a caller writes it (the schema's input: defaults may be left out). */
interface FileInputMap {
  workspace: z.input<typeof workspaceSchema>;
  environment: z.input<typeof environmentSchema>;
  data: z.input<typeof dataSchema>;
  code: z.input<typeof codeSchema>;
  model: z.input<typeof modelSchema>;
  component: z.input<typeof componentSchema>;
  compute: z.input<ComputeVariantsSchema>;
}

/** The spec of each kind as stored: the validated file minus its identity and metadata fields. */
export type SpecMap = { [Kind in ResourceKind]: SpecFields<FileMap[Kind]> };

/** The spec of a resource of kind `Kind` (a compute's is a union by `type`). */
export type SpecOf<Kind extends ResourceKind> = SpecMap[Kind];

/** The spec of any kind: what a writer that does not know the kind holds. */
export type AnySpec = SpecMap[ResourceKind];

/** What an internal caller writes to build a resource of kind `Kind` (see resourceFromFields). */
export type ResourceFileOf<Kind extends ResourceKind> = FileInputMap[Kind];

/** A compute's spec of one `type` (`ComputeSpecOf<'slurm'>`). */
export type ComputeSpecOf<Type extends SpecOf<'compute'>['type']> = Extract<SpecOf<'compute'>, { type: Type }>;
