import type { EnvironmentSpec } from './environment-spec.js';

/** An environment Trellis ships, referenced as `azureml:<name>@latest` or `<name>:<version>`. */
export interface CuratedEnvironment {
  name: string;
  version: string;
  description: string;
  spec: EnvironmentSpec;
}

// The pins of test/python/requirements.txt (and the numpy pip resolved there), so the venv the
// test suite uses and the one jobs get agree; curated.test.ts checks that they still do. Plus
// matplotlib, which Azure's sklearn images carry and azureml-examples scripts import
// (cli/jobs/single-step/scikit-learn/diabetes). Compute instances install the same pins
// (core/compute/compute-instance.ts), so a notebook and the jobs it submits agree.
export const sklearnPackages = ['matplotlib==3.11.2', 'mlflow==3.17.2', 'numpy==2.4.6', 'pandas==3.1.1', 'scikit-learn==1.9.1'];
// Azure's sklearn-1.5 curated environment pins pandas 1.5 (azureml-assets,
// assets/training/general/environments/sklearn-1.5), and the azureml-examples scripts that name it
// rely on that (DataFrame.append, gone in pandas 2); its counterpart here pins the same majors.
const sklearn15Packages = ['matplotlib==3.9.4', 'mlflow==3.17.2', 'numpy==1.26.4', 'pandas==1.5.3', 'scikit-learn==1.5.2'];
const python = 'python=3.11';
const pythonImage = 'python:3.11-slim';

/** The curated environments, newest version of each. */
export const curatedEnvironments: readonly CuratedEnvironment[] = [
  {
    name: 'trellis-python',
    version: '1',
    description: 'Python 3.11 with pip and nothing else installed.',
    spec: { image: pythonImage, conda_file: { name: 'trellis-python', dependencies: [python] } },
  },
  {
    name: 'trellis-python-sklearn',
    version: '2',
    description: 'Python 3.11 with scikit-learn, MLflow, pandas, numpy and matplotlib.',
    spec: { image: pythonImage, conda_file: { name: 'trellis-python-sklearn', dependencies: [python, { pip: sklearnPackages }] } },
  },
  {
    name: 'trellis-python-sklearn-1.5',
    version: '1',
    description:
      "Azure's sklearn-1.5 curated environment: Python 3.11 with scikit-learn 1.5, pandas 1.5, numpy 1.26, MLflow and matplotlib.",
    spec: {
      image: pythonImage,
      conda_file: { name: 'trellis-python-sklearn-1.5', dependencies: [python, { pip: sklearn15Packages }] },
    },
  },
  {
    name: 'trellis-python-lightgbm',
    version: '2',
    description: 'trellis-python-sklearn plus LightGBM.',
    spec: {
      image: pythonImage,
      conda_file: { name: 'trellis-python-lightgbm', dependencies: [python, { pip: [...sklearnPackages, 'lightgbm==4.7.0'] }] },
    },
  },
  {
    name: 'trellis-node',
    version: '1',
    description: 'The Node.js that runs Trellis; nothing to build.',
    spec: { image: 'node:20-slim', runtime: 'node' },
  },
];

/**
 * Azure ML curated environment names and what runs them here. Azure reserves the `AzureML-`
 * prefix and the `azureml` registry for its curated environments, so a user's own environment
 * is never taken for one of these.
 */
const azureAliases: { pattern: RegExp; curated: string }[] = [
  { pattern: /lightgbm/, curated: 'trellis-python-lightgbm' },
  { pattern: /^sklearn-1\.5(\b|$)/, curated: 'trellis-python-sklearn-1.5' },
  { pattern: /sklearn|scikit|mlflow/, curated: 'trellis-python-sklearn' },
  { pattern: /minimal/, curated: 'trellis-python' },
];

const registryReference = /^azureml:\/\/registries\/([^/]+)\/environments\/([^/]+)(?:\/(versions|labels)\/([^/]+))?\/?$/i;

/**
 * The curated environment a job's `environment:` reference names, or undefined when it names
 * something else (a workspace environment, or an Azure curated environment with no local
 * counterpart, such as the GPU PyTorch ones). Accepts `trellis-python-sklearn`, `…:1`, `…@latest`,
 * `azureml:`-prefixed forms, Azure's `azureml:AzureML-sklearn-1.0-ubuntu20.04-py38-cpu@latest`
 * and `azureml://registries/azureml/environments/sklearn-1.5/labels/latest` (or `/versions/N`).
 * Azure's version numbers say nothing about ours, so they are ignored for Azure names.
 */
export function resolveCuratedEnvironment(reference: string): CuratedEnvironment | undefined {
  const text = reference.trim();
  const registry = registryReference.exec(text);
  if (registry) {
    if ((registry[1] ?? '').toLowerCase() !== 'azureml') return undefined;
    const name = (registry[2] ?? '').toLowerCase();
    const label = registry[3]?.toLowerCase() === 'labels' ? registry[4] : undefined;
    if (label !== undefined && label.toLowerCase() !== 'latest') return undefined;
    return ownEnvironment(name, registry[3]?.toLowerCase() === 'versions' ? registry[4] : undefined) ?? azureAlias(name);
  }
  const body = text.replace(/^azureml:/i, '');
  const at = body.lastIndexOf('@');
  const colon = body.indexOf(':');
  let name = body;
  let version: string | undefined;
  if (at >= 0) {
    if (body.slice(at + 1).toLowerCase() !== 'latest') return undefined;
    name = body.slice(0, at);
  } else if (colon >= 0) {
    name = body.slice(0, colon);
    version = body.slice(colon + 1);
  }
  const lower = name.toLowerCase();
  if (lower.startsWith('azureml-')) return azureAlias(lower.slice('azureml-'.length));
  return ownEnvironment(lower, version);
}

function ownEnvironment(name: string, version: string | undefined): CuratedEnvironment | undefined {
  const curated = curatedEnvironments.find((environment) => environment.name === name);
  if (curated === undefined || (version !== undefined && version !== curated.version)) return undefined;
  return curated;
}

function azureAlias(name: string): CuratedEnvironment | undefined {
  const alias = azureAliases.find((candidate) => candidate.pattern.test(name));
  return alias === undefined ? undefined : ownEnvironment(alias.curated, undefined);
}
