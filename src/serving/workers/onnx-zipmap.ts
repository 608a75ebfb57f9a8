/**
 * onnxruntime-node returns tensors only; a model whose output is not a tensor (skl2onnx's default
 * ZipMap: probabilities as a sequence of {class: probability} maps) fails every run with
 * "Non tensor type is temporarily not supported". For each such output made by a ZipMap node,
 * this finds the node's input (the probability tensor) and its class labels, and adds that tensor
 * to the model's outputs, so the worker can run the model and build the maps itself.
 *
 * It reads and rewrites the few fields it needs from the ONNX protobuf (ModelProto.graph,
 * GraphProto.node/output, NodeProto, AttributeProto) with a minimal wire-format reader: no
 * protobuf library, the rest of the model is copied byte for byte.
 */

export interface ZipMapOutput {
  /** The model's output (a sequence of maps). */
  output: string;
  /** The tensor the ZipMap node reads: float [batch, classes]. */
  probabilities: string;
  /** Class labels, in column order. */
  labels: Array<number | string>;
}

interface Field {
  number: number;
  wireType: number;
  /** Varint value (wire type 0). */
  value: bigint;
  /** The field's payload bytes (wire type 2). */
  bytes: Uint8Array;
  /** The whole field, tag included, for copying. */
  raw: Uint8Array;
}

function readVarint(buffer: Uint8Array, offset: number): [bigint, number] {
  let result = 0n;
  let shift = 0n;
  for (;;) {
    if (offset >= buffer.length) throw new Error('onnx model: truncated varint');
    const byte = buffer[offset++]!;
    result |= BigInt(byte & 0x7f) << shift;
    if ((byte & 0x80) === 0) return [result, offset];
    shift += 7n;
  }
}

function* fields(buffer: Uint8Array): Generator<Field> {
  let offset = 0;
  while (offset < buffer.length) {
    const start = offset;
    const [tag, afterTag] = readVarint(buffer, offset);
    offset = afterTag;
    const number = Number(tag >> 3n);
    const wireType = Number(tag & 7n);
    let value = 0n;
    let bytes: Uint8Array = new Uint8Array(0);
    if (wireType === 0) [value, offset] = readVarint(buffer, offset);
    else if (wireType === 1) offset += 8;
    else if (wireType === 5) offset += 4;
    else if (wireType === 2) {
      const [length, afterLength] = readVarint(buffer, offset);
      bytes = buffer.subarray(afterLength, afterLength + Number(length));
      offset = afterLength + Number(length);
    } else throw new Error(`onnx model: unsupported protobuf wire type ${wireType}`);
    if (offset > buffer.length) throw new Error('onnx model: truncated field');
    yield { number, wireType, value, bytes, raw: buffer.subarray(start, offset) };
  }
}

const text = (bytes: Uint8Array) => Buffer.from(bytes).toString('utf8');

function encodeVarint(value: number): number[] {
  const bytes: number[] = [];
  let rest = value;
  while (rest >= 0x80) {
    bytes.push((rest & 0x7f) | 0x80);
    rest = Math.floor(rest / 128);
  }
  bytes.push(rest);
  return bytes;
}

function lengthDelimited(number: number, payload: Uint8Array): Buffer {
  return Buffer.concat([Buffer.from([...encodeVarint((number << 3) | 2), ...encodeVarint(payload.length)]), payload]);
}

/** ZipMap attributes: classlabels_int64s (ints, packed or not) or classlabels_strings. */
function zipMapLabels(attributes: Uint8Array[]): Array<number | string> {
  const labels: Array<number | string> = [];
  for (const attribute of attributes) {
    let name = '';
    const ints: number[] = [];
    const strings: string[] = [];
    for (const field of fields(attribute)) {
      if (field.number === 1) name = text(field.bytes);
      else if (field.number === 8 && field.wireType === 0) ints.push(Number(BigInt.asIntN(64, field.value)));
      else if (field.number === 8 && field.wireType === 2) {
        let offset = 0;
        while (offset < field.bytes.length) {
          const [value, next] = readVarint(field.bytes, offset);
          ints.push(Number(BigInt.asIntN(64, value)));
          offset = next;
        }
      } else if (field.number === 9) strings.push(text(field.bytes));
    }
    if (name === 'classlabels_int64s') labels.push(...ints);
    if (name === 'classlabels_strings') labels.push(...strings);
  }
  return labels;
}

/**
 * Finds the ZipMap nodes that make the given outputs and returns the model with their input
 * tensors added as outputs (float tensors), or the model unchanged when there are none.
 */
export function exposeZipMapInputs(model: Uint8Array, nonTensorOutputs: readonly string[]): { model: Uint8Array; zipMaps: ZipMapOutput[] } {
  const wanted = new Set(nonTensorOutputs);
  const modelFields = [...fields(model)];
  const graphField = modelFields.find((field) => field.number === 7);
  if (!graphField || wanted.size === 0) return { model, zipMaps: [] };
  const zipMaps: ZipMapOutput[] = [];
  for (const field of fields(graphField.bytes)) {
    if (field.number !== 1) continue;
    let opType = '';
    const inputs: string[] = [];
    const outputs: string[] = [];
    const attributes: Uint8Array[] = [];
    for (const nodeField of fields(field.bytes)) {
      if (nodeField.number === 1) inputs.push(text(nodeField.bytes));
      else if (nodeField.number === 2) outputs.push(text(nodeField.bytes));
      else if (nodeField.number === 4) opType = text(nodeField.bytes);
      else if (nodeField.number === 5) attributes.push(nodeField.bytes);
    }
    const output = outputs[0];
    if (opType !== 'ZipMap' || output === undefined || !wanted.has(output) || inputs[0] === undefined) continue;
    zipMaps.push({ output, probabilities: inputs[0], labels: zipMapLabels(attributes) });
  }
  if (zipMaps.length === 0) return { model, zipMaps };
  // ValueInfoProto { name = 1; type = 2: TypeProto { tensor_type = 1: { elem_type = 1: FLOAT (1) } } }
  const extraOutputs = zipMaps.map((zipMap) =>
    lengthDelimited(
      12,
      Buffer.concat([
        lengthDelimited(1, Buffer.from(zipMap.probabilities)),
        lengthDelimited(2, lengthDelimited(1, Buffer.from([0x08, 0x01]))),
      ]),
    ),
  );
  const graph = lengthDelimited(7, Buffer.concat([graphField.bytes, ...extraOutputs]));
  const rebuilt = Buffer.concat(modelFields.map((field) => (field === graphField ? graph : field.raw)));
  return { model: rebuilt, zipMaps };
}
