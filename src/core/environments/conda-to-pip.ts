import { invalidInput, type Problem } from '../errors.js';
import { describeIssue } from '../azureml/zod-problems.js';
import { formatFieldPath } from '../yaml/field-path.js';
import { condaEnvironmentSchema } from './conda-environment.js';
import { condaPackageFate } from './conda-package-names.js';
import { numpyConstraintFor } from './numpy-compatibility.js';
import { pipRequirementKey } from './pip-requirement.js';

/** A conda environment as a virtualenv sees it: which Python, and what pip installs. */
export interface PipTranslation {
  /** The Python the conda file asks for ("3.10", "3.8.13"), or null when it does not say. */
  pythonVersion: string | null;
  /** pip requirement lines: pip options first, then requirements sorted by name; no duplicates. */
  pipRequirements: string[];
  /** One line per conda package dropped or renamed (and other changes), for the build log. */
  notes: string[];
}

/** A conda match spec split into its parts: `conda-forge::numpy=1.21=py39_0`. */
interface MatchSpec {
  channel: string | undefined;
  name: string;
  /** Conda version text: `1.21`, `1.21.*`, `>=1.2,<2`; undefined when not constrained. */
  version: string | undefined;
  build: string | undefined;
}

const operator = /^(==|>=|<=|!=|~=|>|<)/;

/**
 * Translates a conda environment (the inlined `conda_file` of an Azure ML environment) into pip
 * terms. Conda's `pkg=1.2` is a prefix match, so it becomes `pkg==1.2.*`; build strings,
 * channels and non-Python packages (CUDA, compilers, C libraries) have no pip counterpart and are
 * dropped with a note. The `pip:` section is already pip syntax and passes through; when it
 * names a package the conda part names too, the pip line wins, as it does on Azure ML where pip
 * runs after conda.
 */
export function condaToPip(condaFile: unknown): PipTranslation {
  const parsed = condaEnvironmentSchema.safeParse(condaFile, { error: describeIssue });
  if (!parsed.success) {
    const problems: Problem[] = parsed.error.issues.map((issue) => ({
      path: formatFieldPath(['conda_file', ...issue.path.filter((segment): segment is string | number => typeof segment !== 'symbol')]),
      message: issue.message,
    }));
    throw invalidInput('conda_file', problems);
  }
  const conda = parsed.data;
  const notes: string[] = [];
  let pythonVersion: string | null = null;
  const fromConda: { key: string; line: string; source: string }[] = [];
  const fromPip: string[] = [];

  if (conda.channels.length > 0) {
    notes.push(`channels (${conda.channels.join(', ')}) are not used locally: packages come from PyPI (or PIP_INDEX_URL)`);
  }
  if (conda.variables !== undefined) {
    notes.push(
      `variables (${Object.keys(conda.variables).join(', ')}) are not applied locally; set them in the job's environment_variables`,
    );
  }

  for (const dependency of conda.dependencies) {
    if (typeof dependency !== 'string') {
      fromPip.push(...dependency.pip.map((line) => line.trim()).filter((line) => line !== ''));
      continue;
    }
    const text = dependency.trim();
    if (text === '') continue;
    const spec = parseMatchSpec(text);
    if (spec.channel !== undefined) notes.push(`${text}: channel '${spec.channel}' dropped; pip installs ${spec.name} from PyPI`);
    if (spec.build !== undefined) notes.push(`${text}: build string '${spec.build}' dropped (conda only)`);
    if (spec.name.toLowerCase() === 'python') {
      pythonVersion = requestedPython(text, spec.version, notes);
      continue;
    }
    const fate = condaPackageFate(spec.name);
    if (fate.action === 'skip') {
      notes.push(`${text}: skipped, ${fate.why}`);
      continue;
    }
    if (fate.action === 'rename') notes.push(`${text}: installed as ${fate.pipName}, ${fate.why}`);
    const constraint = pipConstraint(text, spec.version, notes);
    fromConda.push({ key: pipRequirementKey(fate.pipName), line: `${fate.pipName}${constraint}`, source: text });
  }

  const options: string[] = [];
  const requirements: string[] = [];
  for (const line of fromPip) {
    const option = pipOption(line, notes);
    if (option === 'drop') continue;
    if (option === 'option') options.push(line);
    else requirements.push(line);
  }
  const pipKeys = new Set(requirements.map(pipRequirementKey));
  for (const entry of fromConda) {
    if (pipKeys.has(entry.key)) {
      notes.push(
        `${entry.source}: left to the pip section, which also names ${entry.key} (pip runs after conda on Azure ML, so its version wins)`,
      );
      continue;
    }
    requirements.push(entry.line);
  }

  const numpy = numpyConstraintFor(requirements);
  if (numpy) {
    const unpinned = requirements.indexOf('numpy');
    if (unpinned >= 0) requirements.splice(unpinned, 1);
    requirements.push(numpy.line);
    notes.push(numpy.note);
  }

  const byName = (a: string, b: string) => pipRequirementKey(a).localeCompare(pipRequirementKey(b)) || a.localeCompare(b);
  return {
    pythonVersion,
    pipRequirements: [...unique(options).sort(), ...unique(requirements).sort(byName)],
    notes,
  };
}

function parseMatchSpec(text: string): MatchSpec {
  let rest = text;
  let channel: string | undefined;
  const channelEnd = rest.lastIndexOf('::');
  if (channelEnd >= 0) {
    channel = rest.slice(0, channelEnd);
    rest = rest.slice(channelEnd + 2);
  }
  // Bracket form: numpy[version='>=1.21',build=py39_0]
  const bracket = /^([^\s[]+)\[(.*)\]$/.exec(rest);
  if (bracket) {
    const fields = new Map<string, string>();
    for (const match of (bracket[2] ?? '').matchAll(/(\w+)\s*=\s*(?:'([^']*)'|"([^"]*)"|([^,\s]*))/g)) {
      fields.set(match[1] ?? '', match[2] ?? match[3] ?? match[4] ?? '');
    }
    return { channel, name: bracket[1] ?? rest, version: fields.get('version'), build: fields.get('build') };
  }
  const name = /^[A-Za-z0-9_.-]+/.exec(rest)?.[0] ?? rest;
  // conda accepts `numpy >= 1.21, <2`; glue operators and commas to their versions.
  const constraint = rest
    .slice(name.length)
    .trim()
    .replace(/(==|>=|<=|!=|~=|>|<|,|\|)\s+/g, '$1')
    .replace(/\s+(,|\|)/g, '$1');
  if (constraint === '') return { channel, name, version: undefined, build: undefined };
  if (constraint.startsWith('=') && !constraint.startsWith('==')) {
    const [version, build] = splitBuild(constraint.slice(1), '=');
    return { channel, name, version, build };
  }
  if (constraint.startsWith('==')) {
    const [version, build] = splitBuild(constraint.slice(2), '=');
    return { channel, name, version: version === undefined ? undefined : `==${version}`, build };
  }
  const [version, build] = splitBuild(constraint, /\s+/);
  return { channel, name, version, build };
}

function splitBuild(text: string, separator: string | RegExp): [string | undefined, string | undefined] {
  const [version, ...build] = text.split(separator);
  return [
    version === '' ? undefined : version,
    build.length > 0 && build.join('') !== '' ? build.join(typeof separator === 'string' ? separator : ' ') : undefined,
  ];
}

/** Conda version text → a pip specifier (with its operator), or '' for no constraint. */
function pipConstraint(source: string, version: string | undefined, notes: string[]): string {
  if (version === undefined || version === '*') return '';
  if (version.includes('|')) {
    notes.push(`${source}: version '${version}' uses conda's '|' (or), which pip cannot express; installing without a version constraint`);
    return '';
  }
  if (operator.test(version)) return version;
  // A bare conda version is a prefix match: 1.2 means 1.2, 1.2.1, ...; 1.2* and 1.2.* say so outright.
  const prefix = version.replace(/\.?\*$/, '');
  return `==${prefix}.*`;
}

/** The Python version a `python...` dependency asks for. */
function requestedPython(source: string, version: string | undefined, notes: string[]): string | null {
  if (version === undefined || version === '*') return null;
  const numbers = /\d+(?:\.\d+){0,2}/.exec(version)?.[0];
  if (numbers === undefined) {
    notes.push(`${source}: could not read a Python version from it; using the default interpreter`);
    return null;
  }
  if (version.includes('|') || (operator.test(version) && !version.startsWith('=='))) {
    notes.push(`${source}: a range; asking for the interpreter nearest to ${numbers}`);
  }
  return numbers;
}

/** Classifies a pip-section line: a requirement, a pip option kept as written, or dropped. */
function pipOption(line: string, notes: string[]): 'requirement' | 'option' | 'drop' {
  if (!line.startsWith('-') || /^(-e|--editable)\b/.test(line)) return 'requirement';
  if (/^(-r|--requirement|-c|--constraint)\b/.test(line)) {
    notes.push(
      `pip: '${line}' dropped: it refers to a file next to the conda file, which Trellis does not receive; list those packages in the pip section instead`,
    );
    return 'drop';
  }
  notes.push(`pip: '${line}' passed to pip as written`);
  return 'option';
}

function unique(lines: string[]): string[] {
  return [...new Set(lines)];
}
