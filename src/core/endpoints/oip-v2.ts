/**
 * The JSON side of the Open Inference Protocol (KServe v2, also spoken by Triton and MLServer):
 * checking an inference request, checking it against a model's metadata, and building the
 * metadata, health and error bodies the spec defines. Field names follow the spec exactly:
 * https://kserve.github.io/website/latest/modelserving/data_plane/v2_protocol/
 *
 * Tensor data: the spec gives data in row-major order, either flat (`[1, 2, 3, 4]` for shape
 * [2, 2]) or in its natural nested form (`[[1, 2], [3, 4]]`); both are accepted, and a parsed
 * request always carries the flat form. Nesting must follow the shape exactly. BOOL data is JSON
 * booleans, BYTES data JSON strings, the other types JSON numbers within the type's range (64-bit
 * integers beyond 2^53 cannot be exact in JSON and are only range-checked). The binary tensor
 * extension is not supported. Errors are `{"error": "..."}` with status 400, as the spec says.
 */
import { closestName } from '../azureml/did-you-mean.js';

export const OIP_DATATYPES = [
  'BOOL',
  'UINT8',
  'UINT16',
  'UINT32',
  'UINT64',
  'INT8',
  'INT16',
  'INT32',
  'INT64',
  'FP16',
  'FP32',
  'FP64',
  'BYTES',
] as const;
export type OipDatatype = (typeof OIP_DATATYPES)[number];

/** Request, input or output parameters: key/value pairs the spec leaves to the server. */
export type OipParameters = Record<string, unknown>;

export interface OipTensor {
  name: string;
  shape: number[];
  datatype: OipDatatype;
  parameters?: OipParameters;
  /** Row-major; flat once parsed. */
  data: unknown[];
}

export interface OipRequestedOutput {
  name: string;
  parameters?: OipParameters;
}

export interface OipInferenceRequest {
  id?: string;
  parameters?: OipParameters;
  inputs: OipTensor[];
  outputs?: OipRequestedOutput[];
}

export interface OipInferenceResponse {
  model_name: string;
  model_version?: string;
  id?: string;
  parameters?: OipParameters;
  outputs: OipTensor[];
}

/** One tensor of a model's metadata; -1 marks a dimension of any size. */
export interface OipTensorMetadata {
  name: string;
  datatype: OipDatatype;
  shape: number[];
}

export interface OipModelMetadata {
  name: string;
  versions?: string[];
  platform: string;
  inputs: OipTensorMetadata[];
  outputs: OipTensorMetadata[];
}

export interface OipServerMetadata {
  name: string;
  version: string;
  extensions: string[];
}

export interface OipErrorBody {
  error: string;
}

export type OipParseResult<T> = { ok: true; value: T } | { ok: false; status: 400; body: OipErrorBody; problems: string[] };

/** Past this many problems the rest are summed up, so an error body stays readable. */
const MAX_PROBLEMS = 10;

const ALIASES: Readonly<Record<string, OipDatatype>> = {
  BOOLEAN: 'BOOL',
  FLOAT16: 'FP16',
  HALF: 'FP16',
  FLOAT: 'FP32',
  FLOAT32: 'FP32',
  DOUBLE: 'FP64',
  FLOAT64: 'FP64',
  STRING: 'BYTES',
  STR: 'BYTES',
};

/** Whole-number types: smallest value, the first value too large (exact as a double), and the range in words. */
const INTEGER_RANGES: Readonly<Partial<Record<OipDatatype, { min: number; tooLarge: number; text: string }>>> = {
  UINT8: { min: 0, tooLarge: 2 ** 8, text: '0 to 255' },
  UINT16: { min: 0, tooLarge: 2 ** 16, text: '0 to 65535' },
  UINT32: { min: 0, tooLarge: 2 ** 32, text: '0 to 4294967295' },
  UINT64: { min: 0, tooLarge: 2 ** 64, text: '0 to 18446744073709551615' },
  INT8: { min: -(2 ** 7), tooLarge: 2 ** 7, text: '-128 to 127' },
  INT16: { min: -(2 ** 15), tooLarge: 2 ** 15, text: '-32768 to 32767' },
  INT32: { min: -(2 ** 31), tooLarge: 2 ** 31, text: '-2147483648 to 2147483647' },
  INT64: { min: -(2 ** 63), tooLarge: 2 ** 63, text: '-9223372036854775808 to 9223372036854775807' },
};
const FLOAT_LIMITS: Readonly<Partial<Record<OipDatatype, number>>> = { FP16: 65504, FP32: 3.4028234663852886e38, FP64: Number.MAX_VALUE };

/** The `{"error": ...}` body every failed v2 call returns. */
export function errorBody(message: string): OipErrorBody {
  return { error: message };
}

/**
 * Check a parsed JSON body as an inference request. On success the value has every input's data
 * flattened; on failure, status 400 and an error body listing the problems.
 */
export function parseInferenceRequest(body: unknown): OipParseResult<OipInferenceRequest> {
  const problems: string[] = [];
  if (!isObject(body)) return failure(['the request body must be a JSON object with "inputs"']);

  const request: OipInferenceRequest = { inputs: [] };
  if (body.id !== undefined) {
    if (typeof body.id === 'string') request.id = body.id;
    else problems.push('id: must be a string');
  }
  if (body.parameters !== undefined) {
    if (isObject(body.parameters)) request.parameters = body.parameters;
    else problems.push('parameters: must be an object of key/value pairs');
  }

  if (!Array.isArray(body.inputs) || body.inputs.length === 0) {
    problems.push('inputs: give at least one input tensor: {"name", "shape", "datatype", "data"}');
  } else {
    const seen = new Set<string>();
    body.inputs.forEach((input: unknown, index: number) => {
      const tensor = checkTensor(input, `inputs[${index}]`, problems);
      if (!tensor) return;
      if (seen.has(tensor.name)) problems.push(`inputs[${index}].name: '${tensor.name}' is given twice`);
      seen.add(tensor.name);
      request.inputs.push(tensor);
    });
  }

  if (body.outputs !== undefined) {
    if (!Array.isArray(body.outputs)) problems.push('outputs: must be a list of {"name"}');
    else {
      const seen = new Set<string>();
      request.outputs = [];
      body.outputs.forEach((output: unknown, index: number) => {
        if (!isObject(output) || typeof output.name !== 'string' || output.name === '') {
          problems.push(`outputs[${index}]: must be an object with a "name"`);
          return;
        }
        if (seen.has(output.name)) problems.push(`outputs[${index}].name: '${output.name}' is asked for twice`);
        seen.add(output.name);
        if (output.parameters !== undefined && !isObject(output.parameters))
          problems.push(`outputs[${index}].parameters: must be an object`);
        request.outputs?.push(isObject(output.parameters) ? { name: output.name, parameters: output.parameters } : { name: output.name });
      });
    }
  }
  return problems.length > 0 ? failure(problems) : { ok: true, value: request };
}

/**
 * Check one tensor ({name, shape, datatype, data, parameters?}); pushes problems under `path` and
 * returns the tensor with flat data, or undefined when it is unusable. Also for checking a
 * model's outputs before they are sent.
 */
export function checkTensor(value: unknown, path: string, problems: string[]): OipTensor | undefined {
  if (!isObject(value)) {
    problems.push(`${path}: must be an object with "name", "shape", "datatype" and "data"`);
    return undefined;
  }
  const before = problems.length;
  const name = value.name;
  if (typeof name !== 'string' || name === '') problems.push(`${path}.name: give the tensor's name`);

  const shape = value.shape;
  const isShapeValid = Array.isArray(shape) && shape.every((dimension) => Number.isSafeInteger(dimension) && (dimension as number) >= 0);
  if (!Array.isArray(shape)) problems.push(`${path}.shape: give the shape as a list of dimensions, e.g. [1, 4]`);
  else if (!isShapeValid) {
    const hasWildcard = shape.includes(-1);
    problems.push(
      `${path}.shape: ${JSON.stringify(shape)} is not a shape; each dimension is a whole number of 0 or more${hasWildcard ? ' (-1 is for model metadata; a request gives actual sizes)' : ''}`,
    );
  }

  const datatype = parseDatatype(value.datatype, `${path}.datatype`, problems);
  if (value.parameters !== undefined && !isObject(value.parameters)) problems.push(`${path}.parameters: must be an object`);

  let flat: unknown[] | undefined;
  if (!Array.isArray(value.data)) {
    problems.push(
      typeof value.data === 'string'
        ? `${path}.data: give the data as a JSON list (the binary tensor data extension is not supported)`
        : `${path}.data: give the tensor's contents as a list, flat or nested by the shape`,
    );
  } else if (isShapeValid) {
    flat = flattenByShape(value.data, shape as number[], `${path}.data`, problems);
    const expected = (shape as number[]).reduce((product, dimension) => product * dimension, 1);
    if (flat && flat.length !== expected) {
      problems.push(`${path}: shape ${JSON.stringify(shape)} holds ${expected} element(s), but data has ${flat.length}`);
      flat = undefined;
    }
    if (flat && datatype) checkElements(flat, datatype, `${path}.data`, problems);
  }
  if (problems.length > before || !flat || !datatype) return undefined;
  const tensor: OipTensor = { name: name as string, shape: [...(shape as number[])], datatype, data: flat };
  if (isObject(value.parameters)) tensor.parameters = value.parameters;
  return tensor;
}

/**
 * What a valid request gets wrong about a model: inputs missing or unknown, datatypes and shapes
 * that do not fit its metadata (-1 fits any size), outputs it does not produce. Empty when it fits.
 */
export function checkAgainstMetadata(request: OipInferenceRequest, metadata: OipModelMetadata): string[] {
  const problems: string[] = [];
  const takes = metadata.inputs.map(describeTensor).join(', ');
  const inputNames = metadata.inputs.map((input) => input.name);
  for (const input of request.inputs) {
    const expected = metadata.inputs.find((candidate) => candidate.name === input.name);
    if (!expected) {
      const suggestion = closestName(input.name, inputNames);
      problems.push(
        `model '${metadata.name}' has no input '${input.name}'${suggestion ? `; did you mean '${suggestion}'?` : ''} (it takes: ${takes || 'no inputs'})`,
      );
      continue;
    }
    if (input.datatype !== expected.datatype)
      problems.push(`input '${input.name}' is ${input.datatype}; model '${metadata.name}' takes ${expected.datatype}`);
    const fits =
      input.shape.length === expected.shape.length &&
      input.shape.every((size, index) => expected.shape[index] === -1 || expected.shape[index] === size);
    if (!fits)
      problems.push(
        `input '${input.name}' has shape ${JSON.stringify(input.shape)}; model '${metadata.name}' takes ${JSON.stringify(expected.shape)} (-1: any size)`,
      );
  }
  for (const expected of metadata.inputs) {
    if (!request.inputs.some((input) => input.name === expected.name))
      problems.push(`input '${expected.name}' is missing; model '${metadata.name}' takes: ${takes}`);
  }
  const outputNames = metadata.outputs.map((output) => output.name);
  for (const output of request.outputs ?? []) {
    if (!outputNames.includes(output.name)) {
      const suggestion = closestName(output.name, outputNames);
      problems.push(
        `model '${metadata.name}' has no output '${output.name}'${suggestion ? `; did you mean '${suggestion}'?` : ''} (its outputs: ${outputNames.join(', ') || 'none'})`,
      );
    }
  }
  return problems;
}

/** GET v2: the server's name, version and protocol extensions. */
export function serverMetadataResponse(server: OipServerMetadata): OipServerMetadata {
  return { name: server.name, version: server.version, extensions: [...server.extensions] };
}

/** GET v2/models/<name>[/versions/<version>]: `versions` is left out when the model has none. */
export function modelMetadataResponse(model: OipModelMetadata): OipModelMetadata {
  const copy = (tensor: OipTensorMetadata): OipTensorMetadata => ({
    name: tensor.name,
    datatype: tensor.datatype,
    shape: [...tensor.shape],
  });
  return {
    name: model.name,
    ...(model.versions && model.versions.length > 0 ? { versions: [...model.versions] } : {}),
    platform: model.platform,
    inputs: model.inputs.map(copy),
    outputs: model.outputs.map(copy),
  };
}

/** GET v2/health/live. */
export function serverLiveResponse(isLive: boolean): { live: boolean } {
  return { live: isLive };
}

/** GET v2/health/ready. (The spec's HTTP section prints `live` here by a slip; its gRPC message, Triton and KServe say `ready`.) */
export function serverReadyResponse(isReady: boolean): { ready: boolean } {
  return { ready: isReady };
}

/** GET v2/models/<name>[/versions/<version>]/ready. */
export function modelReadyResponse(name: string, isReady: boolean): { name: string; ready: boolean } {
  return { name, ready: isReady };
}

/** POST .../infer answer: `model_version` only for versioned models, `id` echoed when the request had one. */
export function inferenceResponse(answer: {
  modelName: string;
  modelVersion?: string | undefined;
  id?: string | undefined;
  parameters?: OipParameters | undefined;
  outputs: OipTensor[];
}): OipInferenceResponse {
  return {
    model_name: answer.modelName,
    ...(answer.modelVersion !== undefined ? { model_version: answer.modelVersion } : {}),
    ...(answer.id !== undefined ? { id: answer.id } : {}),
    ...(answer.parameters !== undefined ? { parameters: answer.parameters } : {}),
    outputs: answer.outputs.map((output) => ({
      name: output.name,
      shape: [...output.shape],
      datatype: output.datatype,
      ...(output.parameters !== undefined ? { parameters: output.parameters } : {}),
      data: output.data,
    })),
  };
}

function parseDatatype(value: unknown, path: string, problems: string[]): OipDatatype | undefined {
  if (typeof value === 'string' && (OIP_DATATYPES as readonly string[]).includes(value)) return value as OipDatatype;
  const known = OIP_DATATYPES.join(', ');
  if (typeof value !== 'string') {
    problems.push(`${path}: give one of ${known}`);
    return undefined;
  }
  const upper = value.toUpperCase();
  const suggestion = (OIP_DATATYPES as readonly string[]).includes(upper) ? upper : (ALIASES[upper] ?? closestName(value, OIP_DATATYPES));
  problems.push(
    `${path}: '${value}' is not a datatype${suggestion ? `; did you mean '${suggestion}'?` : ''} (datatypes are case-sensitive: ${known})`,
  );
  return undefined;
}

/** The data in row-major order: flat data as it is, nested data only when it follows the shape exactly. */
function flattenByShape(data: unknown[], shape: number[], path: string, problems: string[]): unknown[] | undefined {
  if (!data.some(Array.isArray)) return data;
  const flat: unknown[] = [];
  const walk = (value: unknown, depth: number, where: string): boolean => {
    if (depth === shape.length) {
      if (Array.isArray(value)) {
        problems.push(`${where}: nested deeper than the shape ${JSON.stringify(shape)} allows`);
        return false;
      }
      flat.push(value);
      return true;
    }
    if (!Array.isArray(value)) {
      problems.push(`${where}: nested data must follow the shape ${JSON.stringify(shape)}; expected a list of ${shape[depth]} here`);
      return false;
    }
    if (value.length !== shape[depth]) {
      problems.push(`${where}: has ${value.length} element(s); the shape ${JSON.stringify(shape)} says ${shape[depth]}`);
      return false;
    }
    return value.every((item, index) => walk(item, depth + 1, `${where}[${index}]`));
  };
  return walk(data, 0, path) ? flat : undefined;
}

function checkElements(values: unknown[], datatype: OipDatatype, path: string, problems: string[]): void {
  const index = values.findIndex((value) => !fitsDatatype(value, datatype));
  if (index === -1) return;
  const value = values[index];
  problems.push(
    `${path}[${index}] (flat index): ${JSON.stringify(value) ?? String(value)} is not valid ${datatype}; give ${describeDatatype(datatype)}`,
  );
}

function fitsDatatype(value: unknown, datatype: OipDatatype): boolean {
  if (datatype === 'BOOL') return typeof value === 'boolean';
  if (datatype === 'BYTES') return typeof value === 'string';
  if (typeof value !== 'number' || !Number.isFinite(value)) return false;
  const range = INTEGER_RANGES[datatype];
  if (range) return Number.isInteger(value) && value >= range.min && value < range.tooLarge;
  return Math.abs(value) <= (FLOAT_LIMITS[datatype] ?? Number.MAX_VALUE);
}

function describeDatatype(datatype: OipDatatype): string {
  if (datatype === 'BOOL') return 'true or false';
  if (datatype === 'BYTES') return 'a JSON string';
  const range = INTEGER_RANGES[datatype];
  if (range) return `a whole number from ${range.text}`;
  return `a finite number of magnitude at most ${FLOAT_LIMITS[datatype]}`;
}

function describeTensor(tensor: OipTensorMetadata): string {
  return `${tensor.name} (${tensor.datatype} ${JSON.stringify(tensor.shape)})`;
}

function failure(problems: string[]): OipParseResult<never> {
  const shown = problems.slice(0, MAX_PROBLEMS);
  const more = problems.length > MAX_PROBLEMS ? `; and ${problems.length - MAX_PROBLEMS} more` : '';
  return { ok: false, status: 400, body: errorBody(`invalid inference request: ${shown.join('; ')}${more}`), problems };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
