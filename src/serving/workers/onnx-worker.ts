/**
 * The worker process of runtime onnx: loads the model folder's .onnx file with onnxruntime-node
 * and answers /score, v2 infer and v2 metadata calls. Started by worker-instance.ts, one per
 * deployment instance; speaks worker-protocol.ts on fd 3.
 */
import { OnnxModel } from './onnx-model.js';
import { runWorker } from './worker-channel.js';

await runWorker(async (config) => {
  const model = await OnnxModel.load(config.modelDir, { name: config.modelName, version: config.modelVersion });
  const describe = (items: Array<{ name: string; datatype: string; shape: number[] }>) =>
    items.map((item) => `${item.name} ${item.datatype} [${item.shape.join(', ')}]`).join(', ');
  process.stdout.write(`onnx model loaded: inputs ${describe(model.inputs)}; outputs ${describe(model.outputs)}\n`);
  if (model.skippedOutputs.length > 0) {
    process.stdout.write(
      `outputs ${model.skippedOutputs.join(', ')} are not tensors onnxruntime-node can return; answers leave them out\n`,
    );
  }
  return {
    score: (body) => model.score(body),
    inferV2: (body) => model.inferV2(body),
    metadata: () => model.metadata(),
  };
});
