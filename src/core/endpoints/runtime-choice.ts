import type { RuntimeKind } from './runtime-kind.js';

/**
 * How a deployment's model is served, from what the deployment gives: a scoring script decides
 * (Python or JavaScript, Azure ML's init()/run() contract); without one, the model folder must
 * be an MLflow model (an MLmodel file) or hold exactly one .onnx file, which Trellis serves with no
 * code. Pure: the caller lists the model's files.
 */
export type RuntimeChoice = { runtime: RuntimeKind } | { error: string };

const nodeScripts = ['.js', '.mjs', '.cjs', '.ts', '.mts'];

/** `modelFiles` are paths relative to the model folder, with `/` separators. */
export function chooseRuntime(modelFiles: readonly string[], scoringScript: string | undefined): RuntimeChoice {
  if (scoringScript !== undefined) {
    if (scoringScript.endsWith('.py')) return { runtime: 'python-script' };
    if (nodeScripts.some((extension) => scoringScript.endsWith(extension))) return { runtime: 'node-script' };
    return {
      error: `scoring_script '${scoringScript}' is neither Python (.py) nor JavaScript (${nodeScripts.join(', ')}); Trellis runs init()/run() from those`,
    };
  }
  if (modelFiles.some((file) => file === 'MLmodel')) return { runtime: 'mlflow' };
  const onnx = modelFiles.filter((file) => file.toLowerCase().endsWith('.onnx'));
  if (onnx.length === 1) return { runtime: 'onnx' };
  if (onnx.length > 1)
    return {
      error: `the model holds ${onnx.length} .onnx files (${onnx.slice(0, 5).join(', ')}); with no scoring script Trellis serves one: deploy a folder with a single .onnx file, or add a code_configuration`,
    };
  const shown = modelFiles.slice(0, 8).join(', ') || '(no files)';
  return {
    error: `with no code_configuration the model must be an MLflow model (an MLmodel file at its root) or one .onnx file; it holds ${shown}. Add code_configuration {code, scoring_script} with init() and run()`,
  };
}
