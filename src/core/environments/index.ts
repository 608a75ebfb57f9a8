export { condaToPip, type PipTranslation } from './conda-to-pip.js';
export { condaEnvironmentSchema, type CondaEnvironment } from './conda-environment.js';
export { condaPackageFate, type CondaPackageFate } from './conda-package-names.js';
export { curatedEnvironments, resolveCuratedEnvironment, type CuratedEnvironment } from './curated.js';
export type { EnvironmentSpec } from './environment-spec.js';
export { pipRequirementKey } from './pip-requirement.js';
export { planEnvironment, venvFormatVersion, type EnvironmentPlan, type VenvPlan } from './plan-environment.js';
export { chooseInterpreter, type InterpreterChoice, type PythonInterpreter } from './python-interpreter.js';
