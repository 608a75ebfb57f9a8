import { TrellisError } from '../errors.js';

/**
 * What `trellis init` writes, decided without touching the disk: which template folders make a
 * project, how placeholders are filled in, and which files are written, skipped or overwritten.
 * The templates themselves are real files under templates/project/ in the repository.
 */

export const projectTemplates = ['classical', 'batch', 'realtime'] as const;
export type ProjectTemplate = (typeof projectTemplates)[number];

export const ciSystems = ['github', 'azure-devops'] as const;
export type CiSystem = (typeof ciSystems)[number];

/** The values of the placeholders `{{project}}`, `{{package}}` and `{{user}}`. */
export interface ProjectNames {
  /** Lowercase letters, digits and dashes: workspace, environment and model names start with it. */
  project: string;
  /** The Python package: the project with underscores, a valid identifier. */
  package: string;
  /** The notebook folder's owner. */
  user: string;
}

/** Checks a template name given on the command line; the error names the choices. */
export function parseTemplate(value: string): ProjectTemplate {
  const found = projectTemplates.find((template) => template === value);
  if (!found) throw new TrellisError('UnknownTemplate', 400, `unknown template '${value}'; choose one of: ${projectTemplates.join(', ')}`);
  return found;
}

/** Checks a CI system name given on the command line; the error names the choices. */
export function parseCiSystem(value: string): CiSystem {
  const found = ciSystems.find((system) => system === value);
  if (!found) throw new TrellisError('UnknownCiSystem', 400, `unknown CI system '${value}'; choose one of: ${ciSystems.join(', ')}`);
  return found;
}

/** The template folders a project is made of, in order: later folders add files to earlier ones. */
export function templateLayers(template: ProjectTemplate, ci: CiSystem): string[] {
  return ['common', ...(template === 'classical' ? [] : [template]), `ci-${ci}`];
}

/**
 * The placeholder values for a project in folder `folderName`, for `user`. Names are cut down to
 * what Azure ML names and Python identifiers allow, so any folder name gives a runnable project.
 */
export function projectNames(folderName: string, user: string): ProjectNames {
  const slug = folderName
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^[^a-z]+|-+$/g, '');
  const project = slug === '' ? 'project' : slug.slice(0, 40).replace(/-+$/, '');
  const safeUser = user.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[-.]+|-+$/g, '');
  return { project, package: project.replace(/-/g, '_'), user: safeUser === '' ? 'me' : safeUser };
}

/** Fills in `{{project}}`, `{{package}}` and `{{user}}`; any other `{{...}}` (Azure ML's, CI's) is left as it is. */
export function renderText(text: string, names: ProjectNames): string {
  return text.replace(/\{\{(project|package|user)\}\}/g, (_match, key: keyof ProjectNames) => names[key]);
}

/**
 * A template file's path in the project. `_gitignore` becomes `.gitignore`: npm leaves files named
 * `.gitignore` out of a published package, so the template cannot hold one under that name.
 */
export function renderPath(path: string, names: ProjectNames): string {
  return renderText(path, names)
    .split('/')
    .map((part) => (part === '_gitignore' ? '.gitignore' : part))
    .join('/');
}

export interface PlannedFile {
  path: string;
  content: string;
}

export interface WritePlan {
  write: PlannedFile[];
  /** Files that exist and are left alone (--merge without --force). */
  skip: string[];
  /** Files that exist and are replaced (--force). */
  overwrite: PlannedFile[];
}

/**
 * Which files to write into `folder`, given the files already there. A folder with anything in it
 * is refused unless `merge`; merging never replaces an existing file unless `force`.
 */
export function planWrites(
  folder: string,
  files: PlannedFile[],
  existing: ReadonlySet<string>,
  options: { merge: boolean; force: boolean; isFolderEmpty: boolean },
): WritePlan {
  if (!options.isFolderEmpty && !options.merge)
    throw new TrellisError(
      'FolderNotEmpty',
      409,
      `'${folder}' is not empty; pass --merge to add the project's files beside what is there (existing files are kept), or choose an empty folder`,
    );
  const plan: WritePlan = { write: [], skip: [], overwrite: [] };
  for (const file of files) {
    if (!existing.has(file.path)) plan.write.push(file);
    else if (options.force) plan.overwrite.push(file);
    else plan.skip.push(file.path);
  }
  return plan;
}

/** Merges template layers: a later layer's file replaces an earlier one's at the same path. */
export function layerFiles(layers: PlannedFile[][]): PlannedFile[] {
  const byPath = new Map<string, PlannedFile>();
  for (const layer of layers) for (const file of layer) byPath.set(file.path, file);
  return [...byPath.values()].sort((a, b) => a.path.localeCompare(b.path));
}
