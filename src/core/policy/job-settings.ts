import { plainObjectOr } from '../azureml/schema-helpers.js';
import { condaToPip } from '../environments/conda-to-pip.js';
import { TrellisError } from '../errors.js';

/**
 * What Azure's "enforce setting" definitions ask of a job, checked here before it is queued:
 * its image from an allowed container registry (allowedACRs), its Python packages only from
 * allowed channels and indexes (allowedPythonPackageChannels). Pure: the environment's spec in,
 * the violations out, each naming what was found and what is allowed.
 */

const pypi = 'https://pypi.org/simple';
const condaDefaults = 'defaults';

/** An image reference as `registry/path[:tag|@digest]`, with Docker's implied registry spelled out. */
export function qualifiedImage(image: string): string {
  const reference = image.trim();
  const first = reference.split('/')[0] ?? '';
  const hasRegistry = reference.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost');
  if (hasRegistry) return reference;
  return `docker.io/${reference.includes('/') ? reference : `library/${reference}`}`;
}

/** Whether `image` comes from one of `allowed` (`myregistry.azurecr.io`, or a repository within one: `myregistry.azurecr.io/team`). */
export function imageAllowed(image: string, allowed: readonly string[]): boolean {
  const qualified = qualifiedImage(image).toLowerCase();
  return allowed.some((entry) => {
    const prefix = entry.trim().replace(/\/+$/, '').toLowerCase();
    if (prefix === '') return false;
    if (!qualified.startsWith(prefix)) return false;
    const next = qualified.charAt(prefix.length);
    return next === '' || next === '/' || next === ':' || next === '@';
  });
}

/**
 * Where an environment's Python packages come from: its conda channels as declared (`defaults`
 * when it names none), and the sources the local build installs from. Trellis builds a conda
 * file as a virtualenv with pip (conda-to-pip.ts), so its conda packages come from the pip
 * index too: the index a `--index-url` names (PyPI otherwise), every extra index and
 * `--find-links`, and the URL of each package named by URL. A conda file that cannot be read
 * is reported by the build's own checks; here it adds its channels only.
 */
export function packageSourcesOf(environment: Record<string, unknown>): string[] {
  const sources = new Set<string>();
  const conda = plainObjectOr(environment.conda_file);
  if (conda) {
    const channels = Array.isArray(conda.channels) ? conda.channels.filter((channel) => typeof channel === 'string') : [];
    for (const channel of channels.length > 0 ? channels : [condaDefaults]) sources.add(channel);
    for (const source of pipSources(pipLinesOf(conda))) sources.add(source);
  }
  return [...sources];
}

/** The lines pip installs for a conda file, as the build writes them; those of the pip section when the file is not one conda-to-pip reads. */
function pipLinesOf(conda: Record<string, unknown>): string[] {
  try {
    return condaToPip(conda).pipRequirements;
  } catch (error) {
    if (!(error instanceof TrellisError)) throw error;
    const dependencies = Array.isArray(conda.dependencies) ? conda.dependencies : [];
    return dependencies.flatMap((dependency) => {
      const pip = plainObjectOr(dependency)?.pip;
      return Array.isArray(pip) ? pip.filter((line): line is string => typeof line === 'string') : [];
    });
  }
}

/**
 * The sources a pip requirement list installs from: the --index-url (else PyPI) when anything is
 * installed, every --extra-index-url and --find-links, and each URL a requirement names
 * (`name @ https://...`, `git+https://...`, `-e <url>`, a wheel's URL): pip fetches those
 * directly, from no index.
 */
export function pipSources(lines: readonly string[]): string[] {
  let index = pypi;
  const others: string[] = [];
  let fromIndex = false;
  for (const raw of lines) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const option = /^(--index-url|-i|--extra-index-url|--find-links|-f)(?:\s+|=)(\S+)/.exec(line);
    if (option?.[2]) {
      if (option[1] === '--index-url' || option[1] === '-i') index = option[2];
      else others.push(option[2]);
      continue;
    }
    const requirement = line.replace(/^(-e|--editable)(?:\s+|=)/, '');
    if (requirement.startsWith('-')) continue;
    const url = directUrlOf(requirement);
    if (url) others.push(url);
    else fromIndex = true;
  }
  return [...new Set([...(fromIndex ? [index] : []), ...others])];
}

/** The URL a requirement names instead of a version (`pkg @ url`, `git+https://...`, `https://.../pkg.whl`), if it names one. */
function directUrlOf(requirement: string): string | undefined {
  const at = /^[A-Za-z0-9][A-Za-z0-9._-]*(?:\[[^\]]*\])?\s*@\s*(\S+)/.exec(requirement);
  if (at?.[1]) return at[1].split(';')[0];
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(requirement)) return requirement.split(/[\s;#]/)[0];
  return undefined;
}

/** Whether a channel or index is allowed: URLs compared without a trailing slash, ignoring case; conda channel names as themselves or as their anaconda.org URL. */
export function sourceAllowed(source: string, allowed: readonly string[]): boolean {
  const wanted = normalize(source);
  return allowed.some((entry) => normalize(entry) === wanted);
}

function normalize(source: string): string {
  const text = source.trim().replace(/\/+$/, '').toLowerCase();
  const conda = /^https?:\/\/conda\.anaconda\.org\/([^/]+)$/.exec(text);
  return conda?.[1] ?? text;
}
