import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  OIP_DATATYPES,
  checkAgainstMetadata,
  checkTensor,
  errorBody,
  inferenceResponse,
  modelMetadataResponse,
  modelReadyResponse,
  parseInferenceRequest,
  serverLiveResponse,
  serverMetadataResponse,
  serverReadyResponse,
  type OipInferenceRequest,
  type OipModelMetadata,
} from './oip-v2.js';

/** The spec's own example request. */
const specExample = {
  id: '42',
  inputs: [
    { name: 'input0', shape: [2, 2], datatype: 'UINT32', data: [1, 2, 3, 4] },
    { name: 'input1', shape: [3], datatype: 'BOOL', data: [true, false, true] },
  ],
  outputs: [{ name: 'output0' }],
};

function errorOf(body: unknown): string {
  const result = parseInferenceRequest(body);
  assert.equal(result.ok, false, 'expected the request to be refused');
  if (result.ok) return '';
  assert.equal(result.status, 400);
  assert.deepEqual(Object.keys(result.body), ['error']);
  return result.body.error;
}

const tensor = (datatype: string, data: unknown[], shape: number[] = [data.length]) => ({ inputs: [{ name: 'x', shape, datatype, data }] });

describe('parseInferenceRequest', () => {
  it('accepts the spec example as it is', () => {
    const result = parseInferenceRequest(specExample);
    assert.ok(result.ok);
    assert.equal(result.value.id, '42');
    assert.deepEqual(result.value.inputs[0], { name: 'input0', shape: [2, 2], datatype: 'UINT32', data: [1, 2, 3, 4] });
    assert.deepEqual(result.value.outputs, [{ name: 'output0' }]);
  });

  it('accepts nested data that follows the shape and flattens it row-major', () => {
    const result = parseInferenceRequest(
      tensor(
        'FP32',
        [
          [1, 2, 3],
          [4, 5, 6],
        ],
        [2, 3],
      ),
    );
    assert.ok(result.ok);
    assert.deepEqual(result.value.inputs[0]!.data, [1, 2, 3, 4, 5, 6]);
    const deep = parseInferenceRequest(
      tensor(
        'INT8',
        [
          [[1], [2]],
          [[3], [4]],
        ],
        [2, 2, 1],
      ),
    );
    assert.ok(deep.ok);
    assert.deepEqual(deep.value.inputs[0]!.data, [1, 2, 3, 4]);
  });

  it('accepts scalars (shape []) and empty tensors (a 0 dimension)', () => {
    assert.ok(parseInferenceRequest(tensor('FP64', [3.5], [])).ok);
    assert.ok(parseInferenceRequest(tensor('FP32', [], [0, 4])).ok);
    assert.ok(parseInferenceRequest(tensor('FP32', [[], []], [2, 0])).ok);
  });

  it('requires the data to hold the product of the shape', () => {
    assert.match(errorOf(tensor('FP32', [1, 2, 3], [2, 2])), /inputs\[0\]: shape \[2,2\] holds 4 element\(s\), but data has 3/);
  });

  it('requires nested data to follow the shape exactly', () => {
    assert.match(errorOf(tensor('FP32', [[1, 2], [3]], [2, 2])), /inputs\[0\]\.data\[1\]: has 1 element\(s\); the shape \[2,2\] says 2/);
    assert.match(
      errorOf(
        tensor(
          'FP32',
          [
            [1, 2, 3, 4],
            [5, 6, 7, 8],
          ],
          [2, 2, 2],
        ),
      ),
      /data\[0\]: has 4 element\(s\); the shape \[2,2,2\] says 2/,
    );
    assert.match(errorOf(tensor('FP32', [[1, 2], 3], [2, 2])), /data\[1\]: nested data must follow the shape/);
    assert.match(errorOf(tensor('FP32', [[[1]]], [1, 1])), /nested deeper than the shape \[1,1\] allows/);
  });

  it('checks every element against its datatype and names the first one that does not fit', () => {
    assert.match(
      errorOf(tensor('INT32', [1, 2.5])),
      /inputs\[0\]\.data\[1\] \(flat index\): 2\.5 is not valid INT32; give a whole number from -2147483648 to 2147483647/,
    );
    assert.match(errorOf(tensor('UINT8', [256])), /256 is not valid UINT8/);
    assert.match(errorOf(tensor('UINT16', [-1])), /-1 is not valid UINT16/);
    assert.match(errorOf(tensor('INT8', [-129])), /-129 is not valid INT8/);
    assert.match(errorOf(tensor('BOOL', [true, 1])), /1 is not valid BOOL; give true or false/);
    assert.match(errorOf(tensor('BYTES', ['a', 7])), /7 is not valid BYTES; give a JSON string/);
    assert.match(errorOf(tensor('FP16', [70000])), /70000 is not valid FP16/);
    assert.match(errorOf(tensor('FP32', ['1.0'])), /"1.0" is not valid FP32/);
    assert.match(errorOf(tensor('FP64', [null])), /null is not valid FP64/);
  });

  it('accepts the extremes of every datatype', () => {
    const extremes: Record<string, unknown[]> = {
      BOOL: [true, false],
      UINT8: [0, 255],
      UINT16: [0, 65535],
      UINT32: [0, 4294967295],
      UINT64: [0, Number.MAX_SAFE_INTEGER],
      INT8: [-128, 127],
      INT16: [-32768, 32767],
      INT32: [-2147483648, 2147483647],
      INT64: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
      FP16: [-65504, 65504],
      FP32: [-3.4e38, 1e-45],
      FP64: [-Number.MAX_VALUE, Number.MIN_VALUE],
      BYTES: ['', 'hello'],
    };
    assert.deepEqual(Object.keys(extremes), [...OIP_DATATYPES]);
    for (const [datatype, data] of Object.entries(extremes)) assert.ok(parseInferenceRequest(tensor(datatype, data)).ok, datatype);
    assert.match(errorOf(tensor('UINT64', [2 ** 64])), /not valid UINT64/);
    assert.match(errorOf(tensor('INT64', [2 ** 63])), /not valid INT64/);
  });

  it('suggests the datatype meant, and says datatypes are case-sensitive', () => {
    assert.match(errorOf(tensor('fp32', [1])), /'fp32' is not a datatype; did you mean 'FP32'\? \(datatypes are case-sensitive/);
    assert.match(errorOf(tensor('FLOAT32', [1])), /did you mean 'FP32'/);
    assert.match(errorOf(tensor('STRING', ['a'])), /did you mean 'BYTES'/);
    assert.match(errorOf(tensor('INT33', [1])), /did you mean 'INT32'/);
    assert.match(errorOf({ inputs: [{ name: 'x', shape: [1], data: [1] }] }), /inputs\[0\]\.datatype: give one of BOOL, UINT8/);
  });

  it('refuses -1 and other non-sizes in a request shape', () => {
    assert.match(errorOf(tensor('FP32', [1], [-1])), /-1 is for model metadata; a request gives actual sizes/);
    assert.match(errorOf(tensor('FP32', [1], [1.5])), /\[1\.5\] is not a shape/);
    assert.match(errorOf({ inputs: [{ name: 'x', shape: 3, datatype: 'FP32', data: [1, 2, 3] }] }), /shape: give the shape as a list/);
  });

  it('names missing fields, duplicate names and malformed parameters', () => {
    assert.match(errorOf(null), /must be a JSON object with "inputs"/);
    assert.match(errorOf([]), /must be a JSON object/);
    assert.match(errorOf({}), /inputs: give at least one input tensor/);
    assert.match(errorOf({ inputs: [] }), /inputs: give at least one input tensor/);
    assert.match(errorOf({ inputs: [7] }), /inputs\[0\]: must be an object/);
    assert.match(errorOf({ inputs: [{ shape: [1], datatype: 'FP32', data: [1] }] }), /inputs\[0\]\.name: give the tensor's name/);
    const twice = { inputs: [specExample.inputs[0], specExample.inputs[0]] };
    assert.match(errorOf(twice), /inputs\[1\]\.name: 'input0' is given twice/);
    assert.match(errorOf({ ...specExample, id: 42 }), /id: must be a string/);
    assert.match(errorOf({ ...specExample, parameters: [1] }), /parameters: must be an object/);
    assert.match(errorOf({ ...specExample, outputs: [{}] }), /outputs\[0\]: must be an object with a "name"/);
    assert.match(errorOf({ ...specExample, outputs: [{ name: 'a' }, { name: 'a' }] }), /outputs\[1\]\.name: 'a' is asked for twice/);
    assert.match(errorOf({ ...specExample, outputs: 'all' }), /outputs: must be a list/);
  });

  it('says the binary tensor extension is not supported when data is a string', () => {
    assert.match(
      errorOf({ inputs: [{ name: 'x', shape: [4], datatype: 'FP32', data: 'AAAA' }] }),
      /binary tensor data extension is not supported/,
    );
  });

  it('keeps parameters of the request, the inputs and the outputs', () => {
    const result = parseInferenceRequest({
      parameters: { content_type: 'np' },
      inputs: [{ ...specExample.inputs[0], parameters: { binary: false } }],
      outputs: [{ name: 'y', parameters: { classification: 2 } }],
    });
    assert.ok(result.ok);
    assert.deepEqual(result.value.parameters, { content_type: 'np' });
    assert.deepEqual(result.value.inputs[0]!.parameters, { binary: false });
    assert.deepEqual(result.value.outputs, [{ name: 'y', parameters: { classification: 2 } }]);
  });

  it('lists every problem, up to ten, in one error string', () => {
    const inputs = Array.from({ length: 12 }, (_, index) => ({ name: `x${index}`, shape: [1], datatype: 'NOPE', data: [1] }));
    const result = parseInferenceRequest({ inputs });
    assert.ok(!result.ok);
    assert.equal(result.problems.length, 12);
    assert.match(result.body.error, /^invalid inference request: inputs\[0\]\.datatype: .*; and 2 more$/);
  });
});

describe('checkTensor', () => {
  it('checks a model output before it is sent', () => {
    const problems: string[] = [];
    assert.equal(checkTensor({ name: 'y', shape: [2], datatype: 'FP32', data: [1] }, 'outputs[0]', problems), undefined);
    assert.match(problems[0]!, /outputs\[0\]: shape \[2\] holds 2 element\(s\), but data has 1/);
  });
});

describe('checkAgainstMetadata', () => {
  const metadata: OipModelMetadata = {
    name: 'iris',
    platform: 'onnx_onnxv1',
    inputs: [{ name: 'features', datatype: 'FP32', shape: [-1, 4] }],
    outputs: [
      { name: 'label', datatype: 'INT64', shape: [-1] },
      { name: 'probabilities', datatype: 'FP32', shape: [-1, 3] },
    ],
  };
  const requestOf = (body: unknown): OipInferenceRequest => {
    const result = parseInferenceRequest(body);
    assert.ok(result.ok);
    return result.value;
  };

  it('accepts any size where the metadata says -1', () => {
    assert.deepEqual(checkAgainstMetadata(requestOf(tensorNamed('features', 'FP32', [3, 4])), metadata), []);
    assert.deepEqual(
      checkAgainstMetadata(requestOf({ ...tensorNamed('features', 'FP32', [1, 4]), outputs: [{ name: 'label' }] }), metadata),
      [],
    );
  });

  it('names a wrong datatype, a wrong shape, an unknown and a missing input, and an unknown output', () => {
    assert.deepEqual(checkAgainstMetadata(requestOf(tensorNamed('features', 'FP64', [2, 3])), metadata), [
      "input 'features' is FP64; model 'iris' takes FP32",
      "input 'features' has shape [2,3]; model 'iris' takes [-1,4] (-1: any size)",
    ]);
    assert.deepEqual(
      checkAgainstMetadata(requestOf({ ...tensorNamed('feature', 'FP32', [1, 4]), outputs: [{ name: 'labels' }] }), metadata),
      [
        "model 'iris' has no input 'feature'; did you mean 'features'? (it takes: features (FP32 [-1,4]))",
        "input 'features' is missing; model 'iris' takes: features (FP32 [-1,4])",
        "model 'iris' has no output 'labels'; did you mean 'label'? (its outputs: label, probabilities)",
      ],
    );
  });
});

describe('responses', () => {
  it("builds the metadata, health and error bodies with the spec's field names", () => {
    assert.deepEqual(serverMetadataResponse({ name: 'trellis', version: '0.1.0', extensions: [] }), {
      name: 'trellis',
      version: '0.1.0',
      extensions: [],
    });
    assert.deepEqual(serverLiveResponse(true), { live: true });
    assert.deepEqual(serverReadyResponse(false), { ready: false });
    assert.deepEqual(modelReadyResponse('iris', true), { name: 'iris', ready: true });
    assert.deepEqual(errorBody('model not found'), { error: 'model not found' });
  });

  it('leaves versions out of model metadata when there are none', () => {
    const model: OipModelMetadata = {
      name: 'iris',
      platform: 'onnx_onnxv1',
      inputs: [{ name: 'x', datatype: 'FP32', shape: [-1, 4] }],
      outputs: [],
    };
    assert.deepEqual(Object.keys(modelMetadataResponse(model)), ['name', 'platform', 'inputs', 'outputs']);
    assert.deepEqual(modelMetadataResponse({ ...model, versions: ['3'] }).versions, ['3']);
    assert.deepEqual(modelMetadataResponse({ ...model, versions: [] }).versions, undefined);
  });

  it('echoes the request id and leaves out what is not given', () => {
    const outputs = [{ name: 'output0', shape: [3, 2], datatype: 'FP32' as const, data: [1.0, 1.1, 2.0, 2.1, 3.0, 3.1] }];
    assert.deepEqual(inferenceResponse({ modelName: 'mymodel', id: '42', outputs }), { model_name: 'mymodel', id: '42', outputs });
    assert.deepEqual(Object.keys(inferenceResponse({ modelName: 'm', modelVersion: '2', outputs: [] })), [
      'model_name',
      'model_version',
      'outputs',
    ]);
  });
});

function tensorNamed(name: string, datatype: string, shape: number[]) {
  const size = shape.reduce((product, dimension) => product * dimension, 1);
  return { inputs: [{ name, shape, datatype, data: Array.from({ length: size }, () => 0.5) }] };
}
