import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import ort from 'onnxruntime-node';
import { jsonAnswer, type WorkerAnswer } from './worker-answer.js';
import { exposeZipMapInputs, type ZipMapOutput } from './onnx-zipmap.js';

/**
 * An ONNX model loaded with onnxruntime-node, and the JSON ↔ tensor conversions of the two
 * protocols: Azure ML's /score ({"data": [[...]]}, {"input_data": ...}, {"<input>": ...}) and the
 * Open Inference Protocol v2 ({"inputs": [{name, shape, datatype, data}]}). Inputs are checked
 * against the model's own metadata; what does not fit is a 400 that names what the model expects.
 */

type OrtType = ort.Tensor.Type;

/** A model input or output as the v2 protocol describes it (-1 for a dynamic dimension). */
export interface TensorInfo {
  name: string;
  datatype: string;
  shape: number[];
}

interface InputInfo extends TensorInfo {
  type: OrtType;
  /** false when the model does not say the rank: any shape is taken. */
  hasShape: boolean;
}

const v2Datatypes: Partial<Record<OrtType, string>> = {
  float32: 'FP32',
  float64: 'FP64',
  float16: 'FP16',
  int8: 'INT8',
  uint8: 'UINT8',
  int16: 'INT16',
  uint16: 'UINT16',
  int32: 'INT32',
  uint32: 'UINT32',
  int64: 'INT64',
  uint64: 'UINT64',
  bool: 'BOOL',
  string: 'BYTES',
};

/** The input does not fit the model: the worker answers 400 with this message. */
export class InputError extends Error {}

/** Finds the model's .onnx file: `modelDir` itself, or the one .onnx file under it (model.onnx when there are several). */
export async function findOnnxFile(modelDir: string): Promise<string> {
  if ((await stat(modelDir)).isFile()) return modelDir;
  const found: string[] = [];
  const walk = async (dir: string, depth: number): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory() && depth < 3) await walk(path, depth + 1);
      else if (entry.isFile() && entry.name.endsWith('.onnx')) found.push(path);
    }
  };
  await walk(modelDir, 0);
  if (found.length === 1) return found[0]!;
  const preferred = found.find((path) => basename(path) === 'model.onnx');
  if (preferred) return preferred;
  if (found.length === 0)
    throw new Error(`no .onnx file in the model folder ${modelDir}; runtime onnx needs one (register the model with its .onnx file)`);
  throw new Error(
    `the model folder ${modelDir} has ${found.length} .onnx files (${found.map((path) => basename(path)).join(', ')}); keep one, or name the one to serve model.onnx`,
  );
}

function dimension(value: number | string): number {
  return typeof value === 'number' && value >= 0 ? value : -1;
}

export class OnnxModel {
  private readonly metadataBody: Buffer;
  private readonly expected: string;
  private readonly inputsByName: Map<string, InputInfo>;
  /** Names of the tensors to fetch for every output (a ZipMap output fetches its probabilities). */
  private readonly fetchNames: string[];

  private constructor(
    private readonly session: ort.InferenceSession,
    readonly name: string,
    readonly version: string,
    readonly inputs: InputInfo[],
    readonly outputs: TensorInfo[],
    private readonly zipMaps: Map<string, ZipMapOutput>,
    /** Outputs onnxruntime-node cannot return and that are left out of every answer. */
    readonly skippedOutputs: string[],
  ) {
    this.inputsByName = new Map(inputs.map((input) => [input.name, input]));
    this.fetchNames = outputs.map((output) => zipMaps.get(output.name)?.probabilities ?? output.name);
    this.expected = inputs
      .map((input) => `'${input.name}' ${input.datatype} ${input.hasShape ? `[${input.shape.join(', ')}]` : '(any shape)'}`)
      .join(', ');
    this.metadataBody = Buffer.from(
      JSON.stringify({
        name,
        versions: [version],
        platform: 'onnxruntime',
        inputs: inputs.map(({ name: inputName, datatype, shape }) => ({ name: inputName, datatype, shape })),
        outputs,
      }),
    );
  }

  /** Loads the .onnx file of `modelDir`; the session reads names, types and shapes from the model. */
  static async load(modelDir: string, identity: { name: string; version: string }): Promise<OnnxModel> {
    const file = await findOnnxFile(modelDir);
    let session = await ort.InferenceSession.create(file);
    const declaredOutputs = [...session.outputNames];
    const nonTensor = session.outputMetadata.filter((output) => !output.isTensor).map((output) => output.name);
    let zipMaps: ZipMapOutput[] = [];
    if (nonTensor.length > 0) {
      const patched = exposeZipMapInputs(await readFile(file), nonTensor);
      zipMaps = patched.zipMaps;
      if (zipMaps.length > 0) {
        await session.release();
        session = await ort.InferenceSession.create(patched.model);
      }
    }
    const zipMapsByOutput = new Map(zipMaps.map((zipMap) => [zipMap.output, zipMap]));
    const inputs: InputInfo[] = session.inputMetadata.map((input) => {
      if (!input.isTensor) throw new Error(`model input '${input.name}' is not a tensor; the ONNX worker feeds tensors only`);
      const datatype = v2Datatypes[input.type];
      if (!datatype) throw new Error(`model input '${input.name}' has type ${input.type}, which the ONNX worker cannot feed from JSON`);
      return { name: input.name, datatype, type: input.type, shape: input.shape.map(dimension), hasShape: input.shape.length > 0 };
    });
    const metadataByName = new Map(session.outputMetadata.map((output) => [output.name, output]));
    const outputs: TensorInfo[] = [];
    const skipped: string[] = [];
    for (const name of declaredOutputs) {
      const zipMap = zipMapsByOutput.get(name);
      const output = metadataByName.get(name);
      if (zipMap) outputs.push({ name, datatype: 'FP32', shape: [-1, zipMap.labels.length] });
      else if (output?.isTensor)
        outputs.push({ name, datatype: v2Datatypes[output.type] ?? output.type, shape: output.shape.map(dimension) });
      else skipped.push(name);
    }
    return new OnnxModel(session, identity.name, identity.version, inputs, outputs, zipMapsByOutput, skipped);
  }

  /** The v2 model metadata: {name, versions, platform, inputs, outputs}. */
  metadata(): WorkerAnswer {
    return jsonAnswer(200, this.metadataBody);
  }

  /** An Azure ML /score call: one output answers its value, several an object keyed by output name. */
  async score(body: Buffer): Promise<WorkerAnswer> {
    try {
      const feeds = this.scoreFeeds(parseJson(body));
      const results = await this.session.run(feeds, this.fetchNames);
      const values: Record<string, unknown> = {};
      for (const output of this.outputs) values[output.name] = this.outputValue(output.name, results);
      const only = this.outputs.length === 1 ? values[this.outputs[0]!.name] : values;
      return jsonAnswer(200, JSON.stringify(only));
    } catch (error) {
      return this.failure(error);
    }
  }

  /** An Open Inference Protocol v2 infer call. */
  async inferV2(body: Buffer): Promise<WorkerAnswer> {
    try {
      const request = parseJson(body);
      if (!isObject(request) || !Array.isArray(request.inputs))
        throw new InputError('a v2 infer request is {"inputs": [{"name", "shape", "datatype", "data"}]}');
      const feeds: Record<string, ort.Tensor> = {};
      for (const item of request.inputs) {
        if (!isObject(item) || typeof item.name !== 'string') throw new InputError('each v2 input needs a "name"');
        const input = this.inputsByName.get(item.name);
        if (!input) throw new InputError(`the model has no input '${item.name}'`);
        if (item.datatype !== input.datatype)
          throw new InputError(`input '${input.name}' has datatype ${String(item.datatype)}, not ${input.datatype}`);
        if (!Array.isArray(item.shape) || !item.shape.every((size) => Number.isInteger(size) && size >= 0))
          throw new InputError(`input '${input.name}' needs a "shape": an array of sizes`);
        if (!Array.isArray(item.data)) throw new InputError(`input '${input.name}' needs "data": an array, flat or nested`);
        feeds[input.name] = toTensor(input, item.data, item.shape as number[]);
      }
      for (const input of this.inputs) if (!feeds[input.name]) throw new InputError(`input '${input.name}' is missing`);
      let wanted = this.outputs;
      if (Array.isArray(request.outputs) && request.outputs.length > 0) {
        wanted = request.outputs.map((requested) => {
          const name = isObject(requested) ? requested.name : undefined;
          const output = this.outputs.find((candidate) => candidate.name === name);
          if (!output)
            throw new InputError(`the model has no output '${String(name)}'; it has ${this.outputs.map((o) => `'${o.name}'`).join(', ')}`);
          return output;
        });
      }
      const results = await this.session.run(
        feeds,
        wanted.map((output) => this.zipMaps.get(output.name)?.probabilities ?? output.name),
      );
      const outputs = wanted.map((output) => {
        const tensor = results[this.zipMaps.get(output.name)?.probabilities ?? output.name]!;
        return { name: output.name, shape: tensor.dims, datatype: v2Datatypes[tensor.type] ?? tensor.type, data: flatValues(tensor) };
      });
      const answer: Record<string, unknown> = { model_name: this.name, model_version: this.version, outputs };
      if (typeof request.id === 'string') answer.id = request.id;
      return jsonAnswer(200, JSON.stringify(answer));
    } catch (error) {
      return this.failure(error);
    }
  }

  private scoreFeeds(request: unknown): Record<string, ort.Tensor> {
    const named = this.scoreInputs(request);
    const feeds: Record<string, ort.Tensor> = {};
    for (const input of this.inputs) {
      const value = named.get(input.name);
      if (value === undefined) throw new InputError(`input '${input.name}' is missing`);
      feeds[input.name] = toTensor(input, value);
    }
    return feeds;
  }

  /** The Azure ML request shapes, each input's value by name. */
  private scoreInputs(request: unknown): Map<string, unknown> {
    const only = this.inputs.length === 1 ? this.inputs[0]!.name : undefined;
    const single = (value: unknown): Map<string, unknown> => {
      if (only === undefined)
        throw new InputError(`the model has ${this.inputs.length} inputs; send {"input_data": {"<input name>": [...], ...}}`);
      return new Map([[only, value]]);
    };
    if (Array.isArray(request)) return single(request);
    if (!isObject(request)) throw new InputError('the body is JSON but not a request; send {"data": [[...]]} or {"input_data": ...}');
    const wrapped =
      'input_data' in request ? request.input_data : 'data' in request && !this.inputsByName.has('data') ? request.data : undefined;
    if (wrapped === undefined) return this.namedInputs(request);
    if (Array.isArray(wrapped)) return single(wrapped);
    if (isObject(wrapped) && Array.isArray(wrapped.data) && ('columns' in wrapped || 'index' in wrapped)) return this.splitInputs(wrapped);
    if (isObject(wrapped)) return this.namedInputs(wrapped);
    throw new InputError('"input_data" (or "data") must be an array of rows or an object of inputs');
  }

  private namedInputs(request: Record<string, unknown>): Map<string, unknown> {
    const unknown = Object.keys(request).filter((key) => !this.inputsByName.has(key));
    if (unknown.length > 0)
      throw new InputError(
        `the request has ${unknown.map((key) => `'${key}'`).join(', ')}, which the model does not take; send {"data": [[...]]} or an object keyed by input name`,
      );
    return new Map(Object.entries(request));
  }

  /** pandas split orient: the rows themselves for a one-input model, else one column per input. */
  private splitInputs(split: Record<string, unknown>): Map<string, unknown> {
    const rows = split.data as unknown[];
    const columns = Array.isArray(split.columns) ? split.columns : [];
    if (this.inputs.length === 1) return new Map([[this.inputs[0]!.name, rows]]);
    const named = new Map<string, unknown>();
    columns.forEach((column, index) => {
      const input = typeof column === 'string' ? this.inputsByName.get(column) : undefined;
      if (!input) throw new InputError(`column '${String(column)}' is not a model input`);
      const values = rows.map((row) => (Array.isArray(row) ? row[index] : undefined));
      named.set(input.name, input.shape.length === 2 ? values.map((value) => [value]) : values);
    });
    return named;
  }

  private outputValue(name: string, results: ort.InferenceSession.OnnxValueMapType): unknown {
    const zipMap = this.zipMaps.get(name);
    if (zipMap) {
      const tensor = results[zipMap.probabilities]!;
      const data = tensor.data as Float32Array;
      const classes = zipMap.labels.length;
      const rows: Array<Record<string, number>> = [];
      for (let row = 0; row * classes < data.length; row++) {
        const map: Record<string, number> = {};
        for (let column = 0; column < classes; column++) map[String(zipMap.labels[column])] = data[row * classes + column]!;
        rows.push(map);
      }
      return rows;
    }
    const tensor = results[name]!;
    return nest(flatValues(tensor), tensor.dims, 0, 0).value;
  }

  private failure(error: unknown): WorkerAnswer {
    if (error instanceof InputError)
      return jsonAnswer(400, JSON.stringify({ error: `${error.message}; the model expects ${this.expected} (-1: any size)` }));
    const message = error instanceof Error ? error.message : String(error);
    // onnxruntime's own checks (a dimension the model fixes, a type it cannot take) are the caller's to fix too.
    if (/invalid (dimensions|rank|input)|got invalid|unexpected input data type/i.test(message)) {
      return jsonAnswer(
        400,
        JSON.stringify({ error: `onnxruntime refused the input: ${message}; the model expects ${this.expected} (-1: any size)` }),
      );
    }
    process.stderr.write(`onnx worker: run failed: ${error instanceof Error ? (error.stack ?? message) : message}\n`);
    return jsonAnswer(500, JSON.stringify({ error: `the model failed: ${message}` }));
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch (error) {
    throw new InputError(`the body is not JSON (${(error as Error).message})`);
  }
}

/** The shape of nested arrays, from their first elements (checked element by element when filling). */
function nestedShape(value: unknown): number[] {
  const shape: number[] = [];
  let level = value;
  while (Array.isArray(level)) {
    shape.push(level.length);
    level = level[0];
  }
  return shape;
}

function allocate(type: OrtType, size: number): ort.Tensor.DataType {
  switch (type) {
    case 'float32':
      return new Float32Array(size);
    case 'float64':
      return new Float64Array(size);
    case 'int8':
      return new Int8Array(size);
    case 'uint8':
    case 'bool':
      return new Uint8Array(size);
    case 'int16':
      return new Int16Array(size);
    case 'uint16':
      return new Uint16Array(size);
    case 'int32':
      return new Int32Array(size);
    case 'uint32':
      return new Uint32Array(size);
    case 'int64':
      return new BigInt64Array(size);
    case 'uint64':
      return new BigUint64Array(size);
    case 'string':
      return new Array<string>(size);
    default:
      throw new InputError(`datatype ${type} cannot be sent as JSON`);
  }
}

/** One JSON element as the input's type, or why it cannot be. */
function element(input: InputInfo, value: unknown): number | bigint | string {
  switch (input.type) {
    case 'string':
      if (typeof value === 'string') return value;
      break;
    case 'bool':
      if (typeof value === 'boolean') return value ? 1 : 0;
      if (value === 0 || value === 1) return value;
      break;
    case 'float32':
    case 'float64':
      if (typeof value === 'number') return value;
      break;
    case 'int64':
    case 'uint64':
      if (Number.isInteger(value)) return BigInt(value as number);
      break;
    default:
      if (Number.isInteger(value)) return value as number;
  }
  throw new InputError(`input '${input.name}' has ${JSON.stringify(value)} where ${input.datatype} values go`);
}

/**
 * Nested (or, with `declaredShape`, flat) JSON data as a tensor of the input's type, its shape
 * checked against the model: same rank, same size where the model fixes one. Score inputs one
 * dimension short of a model with a dynamic first dimension are taken as one row.
 */
export function toTensor(input: InputInfo, value: unknown, declaredShape?: number[]): ort.Tensor {
  let shape = declaredShape ?? nestedShape(value);
  const size = shape.reduce((product, dim) => product * dim, 1);
  const data = allocate(input.type, size);
  // Every typed array (and string[]) takes the element its type converts to, by index.
  const slots: { [index: number]: number | bigint | string } = data;
  let filled = 0;
  const fill = (level: unknown, depth: number): void => {
    if (!Array.isArray(level)) {
      if (declaredShape === undefined && depth < shape.length)
        throw new InputError(`input '${input.name}' is ragged: rows of different lengths`);
      if (filled >= size) throw new InputError(`input '${input.name}' has more values than its shape [${shape.join(', ')}] holds`);
      slots[filled++] = element(input, level);
      return;
    }
    if (declaredShape === undefined && (depth >= shape.length || level.length !== shape[depth]))
      throw new InputError(`input '${input.name}' is ragged: rows of different lengths`);
    for (const item of level) fill(item, depth + 1);
  };
  fill(value, 0);
  if (filled !== size) throw new InputError(`input '${input.name}' has ${filled} values, its shape [${shape.join(', ')}] needs ${size}`);
  if (input.hasShape) {
    if (declaredShape === undefined && shape.length === input.shape.length - 1 && input.shape[0] === -1) shape = [1, ...shape];
    const fits = shape.length === input.shape.length && input.shape.every((dim, index) => dim === -1 || dim === shape[index]);
    if (!fits) throw new InputError(`input '${input.name}' has shape [${shape.join(', ')}]`);
  }
  return new ort.Tensor(input.type, data, shape);
}

/** A tensor's values as JSON-ready numbers, strings or booleans (int64 as numbers). */
function flatValues(tensor: ort.Tensor): unknown[] {
  const data = tensor.data;
  if (tensor.type === 'bool') return Array.from(data as Uint8Array, (value) => value !== 0);
  if (data instanceof BigInt64Array || data instanceof BigUint64Array) return Array.from(data, (value) => Number(value));
  return Array.from(data as ArrayLike<unknown>);
}

function nest(values: unknown[], dims: readonly number[], depth: number, offset: number): { value: unknown; next: number } {
  if (dims.length === 0) return { value: values[0], next: 1 };
  if (depth === dims.length - 1) return { value: values.slice(offset, offset + dims[depth]!), next: offset + dims[depth]! };
  const level: unknown[] = [];
  let next = offset;
  for (let index = 0; index < dims[depth]!; index++) {
    const child = nest(values, dims, depth + 1, next);
    level.push(child.value);
    next = child.next;
  }
  return { value: level, next };
}
