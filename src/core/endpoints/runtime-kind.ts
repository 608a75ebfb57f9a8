/** How a model is served. */
export type RuntimeKind =
  /** An .onnx file, no code: onnxruntime-node; inputs and outputs from the model's own metadata. */
  | 'onnx'
  /** An MLflow model folder (MLmodel file): mlflow.pyfunc.load_model in the deployment's Python. */
  | 'mlflow'
  /** Azure ML's contract: a Python file with init() and run(raw_data), run by Trellis's own Python worker. */
  | 'python-script'
  /**
   * The same contract, run by Azure ML's own inference server (azmlinfsrv) when the environment
   * has azureml-inference-server-http: @input_schema, @rawhttp, AMLResponse and /swagger.json as on Azure.
   */
  | 'azureml-inference-server'
  /** The same contract as a JavaScript module: export init() and run(rawData). */
  | 'node-script';
