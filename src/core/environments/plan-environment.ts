import { TrellisError } from '../errors.js';
import { canonicalJson, sha256Hex } from '../resources/digest.js';
import { condaToPip } from './conda-to-pip.js';
import type { EnvironmentSpec } from './environment-spec.js';
import { chooseInterpreter, type PythonInterpreter } from './python-interpreter.js';

/**
 * Bumped when the way a venv is built changes (layout, pip flags), so old cache entries are
 * not reused for a build they no longer match.
 */
export const venvFormatVersion = 1;

/** How a job's process gets its environment on this machine. */
export type EnvironmentPlan =
  /** Run on this machine's Python as it is (image-only or Dockerfile environments). */
  | { kind: 'host'; notes: string[] }
  | VenvPlan
  /** Run with the Node that runs Trellis. */
  | { kind: 'node'; notes: string[] };

/** A virtualenv built once per specHash and reused (see src/environments/venv-builder.ts). */
export interface VenvPlan {
  kind: 'venv';
  /** The minor of the chosen interpreter, e.g. "3.11". */
  pythonVersion: string;
  /** The interpreter that creates the venv. */
  python: PythonInterpreter;
  pipRequirements: string[];
  /** sha256 (hex) of what determines the venv: the Python minor, the requirements, venvFormatVersion. */
  specHash: string;
  /** Lines for the build log: what was dropped, renamed or substituted, and why. */
  notes: string[];
}

/**
 * Decides how an environment runs locally. A conda_file becomes a virtualenv (conda-to-pip.ts)
 * on the nearest installed Python; an `image:` or `build:` alone runs on the host's Python, since
 * only the Kubernetes backend runs containers. `interpreters` is the machine's Pythons in
 * preference order (find-interpreters.ts); it is only consulted for a venv.
 */
export function planEnvironment(spec: EnvironmentSpec, options: { interpreters: readonly PythonInterpreter[] }): EnvironmentPlan {
  if (spec.runtime === 'node') return { kind: 'node', notes: [] };
  const condaFile = spec.conda_file;
  if (typeof condaFile === 'string') {
    throw new TrellisError(
      'CondaFileNotInlined',
      422,
      `conda_file '${condaFile}' is a path, but the environment should hold the file's content; create the environment with trellis apply -f <environment.yml>, which reads the conda file next to it`,
    );
  }
  if (condaFile === undefined) {
    const notes: string[] = [];
    if (spec.image !== undefined) {
      notes.push(
        `image '${spec.image}' is honoured by the Kubernetes backend only; locally the job runs on this machine's Python and the packages installed there (add a conda_file to get a venv)`,
      );
    } else if (spec.build !== undefined) {
      notes.push(
        `build context '${spec.build.path}' (a Dockerfile) is built by the Kubernetes backend only; locally the job runs on this machine's Python without the Dockerfile's packages`,
      );
    }
    return { kind: 'host', notes };
  }

  const translation = condaToPip(condaFile);
  const choice = chooseInterpreter(translation.pythonVersion, options.interpreters);
  const notes: string[] = [];
  if (spec.image !== undefined)
    notes.push(`image '${spec.image}' is honoured by the Kubernetes backend only; locally the conda_file becomes a Python virtualenv`);
  if (choice.warning !== undefined) notes.push(choice.warning);
  notes.push(...translation.notes);
  const specHash = sha256Hex(canonicalJson({ format: venvFormatVersion, python: choice.minor, requirements: translation.pipRequirements }));
  return {
    kind: 'venv',
    pythonVersion: choice.minor,
    python: choice.interpreter,
    pipRequirements: translation.pipRequirements,
    specHash,
    notes,
  };
}
