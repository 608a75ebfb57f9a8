import { isPlainObject } from '../azureml/schema-helpers.js';
import type { EnvironmentSpec } from './environment-spec.js';
import { pipRequirementKey } from './pip-requirement.js';

/**
 * The environment a no-code MLflow deployment runs in, as Azure ML makes it: from the model's own
 * conda file (the one its MLmodel names under flavors.python_function.env, conda.yaml by default),
 * so a LightGBM or XGBoost model gets the library and versions it was saved with. Pure: the
 * caller reads the files.
 */

/** The lineage name of such an environment: it is the model's, fixed by the model version. */
export const mlflowModelEnvironmentName = 'mlflow-model-conda';

/** The base image Azure ML builds such an environment on (recorded; a container backend would use it). */
const baseImage = 'mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04:latest';

/** The conda file an MLmodel document names (`env: conda.yaml`, or `env: {conda: conda.yaml, virtualenv: ...}`). */
export function condaFileOfMlmodel(mlmodel: unknown): string {
  const flavors = isPlainObject(mlmodel) ? mlmodel.flavors : undefined;
  const pyfunc = isPlainObject(flavors) ? flavors.python_function : undefined;
  const env = isPlainObject(pyfunc) ? pyfunc.env : undefined;
  if (typeof env === 'string' && env.trim() !== '') return env.trim();
  if (isPlainObject(env) && typeof env.conda === 'string' && env.conda.trim() !== '') return env.conda.trim();
  return 'conda.yaml';
}

/**
 * The environment spec for the model's conda mapping. The worker that serves it loads the model
 * with mlflow.pyfunc, so `mlflow` is added to the pip list when the file does not name it.
 */
export function mlflowModelEnvironment(conda: Record<string, unknown>): EnvironmentSpec {
  const dependencies = Array.isArray(conda.dependencies) ? [...(conda.dependencies as unknown[])] : [];
  const pipIndex = dependencies.findIndex((dependency) => isPlainObject(dependency) && Array.isArray(dependency.pip));
  const pip = pipIndex >= 0 ? [...((dependencies[pipIndex] as { pip: unknown[] }).pip as unknown[])] : [];
  const named = (name: string) =>
    pip.some((line) => typeof line === 'string' && pipRequirementKey(line) === name) ||
    dependencies.some(
      (line) => typeof line === 'string' && pipRequirementKey(line.replace(/^[^:]+::/, '').split(/[=<>! ]/)[0] ?? '') === name,
    );
  if (named('mlflow')) return { image: baseImage, conda_file: conda };
  pip.push('mlflow');
  if (pipIndex >= 0) dependencies[pipIndex] = { ...(dependencies[pipIndex] as Record<string, unknown>), pip };
  else dependencies.push({ pip });
  return { image: baseImage, conda_file: { ...conda, dependencies } };
}
