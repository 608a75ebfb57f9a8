import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fixturesDir, irisExpected } from '../../../test/fixtures/serving/helpers.js';
import { findOnnxFile, OnnxModel, toTensor } from './onnx-model.js';
import { exposeZipMapInputs } from './onnx-zipmap.js';

const scratch = mkdtempSync(join(tmpdir(), 'trellis-onnx-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

const input = (type: 'float32' | 'int64' | 'bool' | 'string', shape: number[]) => ({
  name: 'x',
  datatype: 'T',
  type,
  shape,
  hasShape: shape.length > 0,
});

describe('onnx model conversions', () => {
  it('makes tensors of the input type from nested JSON, a single row taken as a batch of one', () => {
    const floats = toTensor(input('float32', [-1, 2]), [1.5, 2]);
    assert.deepEqual(floats.dims, [1, 2]);
    assert.ok(floats.data instanceof Float32Array);
    const ints = toTensor(input('int64', [-1]), [3, 4]);
    assert.deepEqual([...(ints.data as BigInt64Array)], [3n, 4n]);
    assert.deepEqual([...(toTensor(input('bool', [-1]), [true, false, 1]).data as Uint8Array)], [1, 0, 1]);
    assert.deepEqual(toTensor(input('string', [-1, 1]), [['a'], ['b']]).data, ['a', 'b']);
    assert.deepEqual(toTensor(input('float32', []), [[[1]]]).dims, [1, 1, 1], 'a model without a declared shape takes any');
  });

  it('takes flat v2 data with its declared shape', () => {
    const tensor = toTensor(input('float32', [-1, 2]), [1, 2, 3, 4], [2, 2]);
    assert.deepEqual(tensor.dims, [2, 2]);
    assert.throws(() => toTensor(input('float32', [-1, 2]), [1, 2, 3], [2, 2]), /3 values, its shape \[2, 2\] needs 4/);
  });

  it('names the problem: ragged rows, a fixed dimension, a value of the wrong type', () => {
    assert.throws(() => toTensor(input('float32', [-1, 2]), [[1, 2], [3]]), /ragged/);
    assert.throws(() => toTensor(input('float32', [-1, 2]), [[1, 2, 3]]), /shape \[1, 3\]/);
    assert.throws(() => toTensor(input('int64', [-1]), [1.5]), /1\.5 where T values go/);
    assert.throws(() => toTensor(input('float32', [-1, 2]), [[1, null]]), /null where T values go/);
  });
});

describe('onnx model files', () => {
  it('finds the one .onnx file of a folder, model.onnx among several, and says when there is none or too many', async () => {
    const one = join(scratch, 'one');
    mkdirSync(join(one, 'nested'), { recursive: true });
    copyFileSync(join(fixturesDir, 'iris-logreg.onnx'), join(one, 'nested', 'iris.onnx'));
    assert.equal(await findOnnxFile(one), join(one, 'nested', 'iris.onnx'));
    const several = join(scratch, 'several');
    mkdirSync(several);
    copyFileSync(join(fixturesDir, 'iris-logreg.onnx'), join(several, 'a.onnx'));
    copyFileSync(join(fixturesDir, 'iris-logreg.onnx'), join(several, 'b.onnx'));
    await assert.rejects(findOnnxFile(several), /has 2 \.onnx files \(a\.onnx, b\.onnx\)/);
    copyFileSync(join(fixturesDir, 'iris-logreg.onnx'), join(several, 'model.onnx'));
    assert.equal(await findOnnxFile(several), join(several, 'model.onnx'));
    const none = join(scratch, 'none');
    mkdirSync(none);
    await assert.rejects(findOnnxFile(none), /no \.onnx file/);
  });

  it("exposes a ZipMap node's probability tensor as an output, and leaves other models alone", () => {
    const zipMapModel = readFileSync(join(fixturesDir, 'iris-logreg-zipmap.onnx'));
    const { model, zipMaps } = exposeZipMapInputs(zipMapModel, ['output_probability']);
    assert.deepEqual(zipMaps, [{ output: 'output_probability', probabilities: 'probabilities', labels: [0, 1, 2] }]);
    assert.ok(model.length > zipMapModel.length);
    const plain = readFileSync(join(fixturesDir, 'iris-logreg.onnx'));
    assert.equal(exposeZipMapInputs(plain, ['label']).model, plain);
  });

  it('answers in process what sklearn answers', async () => {
    const iris = irisExpected();
    const model = await OnnxModel.load(join(fixturesDir, 'iris-logreg-zipmap.onnx'), { name: 'iris', version: '2' });
    assert.deepEqual(model.skippedOutputs, []);
    const answer = await model.score(Buffer.from(JSON.stringify({ data: iris.rows })));
    assert.deepEqual((JSON.parse(answer.body.toString()) as { output_label: number[] }).output_label, iris.labels);
  });
});
