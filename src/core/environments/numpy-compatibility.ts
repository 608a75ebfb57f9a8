import { pipRequirementKey } from './pip-requirement.js';

/**
 * Packages built against numpy 1's C API, with the first release of each that also works with
 * numpy 2. An older release beside numpy 2 fails at import ("numpy.dtype size changed, may indicate
 * binary incompatibility"). Conda's solver never pairs them; pip, which takes the newest numpy
 * when nothing constrains it, does.
 */
const firstReleaseForNumpy2: Readonly<Record<string, string>> = {
  'scikit-learn': '1.4.2',
  scipy: '1.13.0',
  pandas: '2.2.2',
  matplotlib: '3.8.4',
  'scikit-image': '0.23.0',
  statsmodels: '0.14.2',
  h5py: '3.11.0',
  pyarrow: '16.0.0',
  xgboost: '2.1.0',
  numba: '0.60.0',
  shap: '0.46.0',
  torch: '2.3.0',
  tensorflow: '2.18.0',
  'opencv-python': '4.10.0.84',
  'opencv-python-headless': '4.10.0.84',
};

/**
 * `numpy<2`, when a requirement pins one of those packages to a release from before numpy 2
 * support and nothing pins numpy itself (an unpinned `numpy`, or none at all: pip would then take
 * numpy 2 as a dependency). Returns the line to add and why, or undefined when the set imports as
 * it is. Pure.
 */
export function numpyConstraintFor(requirements: readonly string[]): { line: string; note: string } | undefined {
  const numpy = requirements.find((line) => pipRequirementKey(line) === 'numpy');
  if (numpy !== undefined && numpy.trim() !== 'numpy') return undefined;
  for (const line of requirements) {
    const key = pipRequirementKey(line);
    const first = firstReleaseForNumpy2[key];
    const pinned = /==\s*([0-9][0-9.]*?)(?:\.\*)?\s*(?:;|$)/.exec(line)?.[1];
    if (first === undefined || pinned === undefined || compareVersions(pinned, first) >= 0) continue;
    return {
      line: 'numpy<2',
      note: `${line.trim()} was built for numpy 1 (numpy 2 support came with ${key} ${first}) and numpy is ${numpy === undefined ? 'not named' : 'unpinned'}: added numpy<2 so the pair imports, as conda's solver would choose`,
    };
  }
  return undefined;
}

/** Compares dotted release numbers (1.2.2 < 1.13.0); missing parts count as 0. */
export function compareVersions(a: string, b: string): number {
  const left = a.split('.').map(Number);
  const right = b.split('.').map(Number);
  for (let index = 0; index < Math.max(left.length, right.length); index++) {
    const difference = (left[index] ?? 0) - (right[index] ?? 0);
    if (difference !== 0) return Math.sign(difference);
  }
  return 0;
}
