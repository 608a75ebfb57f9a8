import { isMapping, type Mapping, mappingAt, scalarText, valueText } from './mapping.js';

/**
 * What the studio reads from a command component's spec (its Azure ML YAML as the API sends it):
 * the inputs and outputs it declares, its environment and code, in words. Pure.
 */

/** A declared input: its type, and for literals the default and the values it takes. */
export interface ComponentInputRow {
  name: string;
  type: string;
  default: string | undefined;
  isOptional: boolean;
  min: string | undefined;
  max: string | undefined;
  enum: string[] | undefined;
  mode: string | undefined;
  description: string | undefined;
}

export function componentInputs(spec: Mapping): ComponentInputRow[] {
  return Object.entries(mappingAt(spec, 'inputs')).map(([name, input]) => {
    const fields = isMapping(input) ? input : {};
    return {
      name,
      type: scalarText(fields.type) ?? '',
      default: fields.default === undefined ? undefined : valueText(fields.default),
      isOptional: fields.optional === true || fields.optional === 'true',
      min: scalarText(fields.min),
      max: scalarText(fields.max),
      enum: Array.isArray(fields.enum) ? fields.enum.map(valueText) : undefined,
      mode: scalarText(fields.mode),
      description: scalarText(fields.description),
    };
  });
}

export interface ComponentOutputRow {
  name: string;
  type: string;
  mode: string | undefined;
  description: string | undefined;
}

export function componentOutputs(spec: Mapping): ComponentOutputRow[] {
  return Object.entries(mappingAt(spec, 'outputs')).map(([name, output]) => {
    const fields = isMapping(output) ? output : {};
    return {
      name,
      type: scalarText(fields.type) ?? 'uri_folder',
      mode: scalarText(fields.mode),
      description: scalarText(fields.description),
    };
  });
}

/** The environment: the reference as written, or an inline one by its image, conda file or build context. */
export function componentEnvironment(spec: Mapping): string {
  const environment = spec.environment;
  if (!isMapping(environment)) return scalarText(environment) ?? '';
  const build = mappingAt(environment, 'build');
  const parts = [
    scalarText(environment.image) ? `image ${scalarText(environment.image)}` : undefined,
    environment.conda_file !== undefined ? 'with a conda file' : undefined,
    scalarText(build.path) ? `built from ${scalarText(build.path)}` : undefined,
  ].filter(Boolean);
  return `inline${parts.length > 0 ? `: ${parts.join(', ')}` : ''}`;
}

/** The code snapshot: its stored address and, when the status says, the folder it was uploaded from. */
export function componentCode(spec: Mapping, status: Mapping): { address: string; uploadedFrom: string | undefined } | undefined {
  const address = scalarText(spec.code);
  if (!address) return undefined;
  const content = Array.isArray(status.content) ? status.content : [];
  const upload = content.find((item) => isMapping(item) && item.path === 'code');
  return { address, uploadedFrom: isMapping(upload) ? scalarText(upload.uploadedFrom) : undefined };
}

/** Whether a run of it may be reused (Azure ML's is_deterministic, true unless the file says false). */
export const isDeterministic = (spec: Mapping): boolean => spec.is_deterministic !== false && spec.is_deterministic !== 'false';
