import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { unlessMissing } from '../../core/error-codes.js';
import {
  ciSystems,
  layerFiles,
  parseCiSystem,
  parseTemplate,
  type PlannedFile,
  planWrites,
  projectNames,
  projectTemplates,
  renderPath,
  renderText,
  templateLayers,
} from '../../core/projects/project-template.js';
import { cliContext } from '../cli-context.js';
import { printData } from '../output.js';

// The same relative path from src/cli/commands/ (tsx) and dist/cli/commands/ (the build): templates/
// sits at the package's root, next to src/ and dist/, and is published with it.
const templatesRoot = fileURLToPath(new URL('../../../templates/project/', import.meta.url));

interface InitOptions {
  template: string;
  ci: string;
  user?: string;
  merge?: boolean;
  force?: boolean;
}

/** Every file under `folder`, as paths relative to it with forward slashes; none when it does not exist. */
async function listFiles(folder: string): Promise<string[]> {
  const entries = (await unlessMissing(readdir(folder, { recursive: true, withFileTypes: true }))) ?? [];
  return entries
    .filter((entry) => !entry.isDirectory())
    .map((entry) => relative(folder, join(entry.parentPath, entry.name)).split('\\').join('/'))
    .sort();
}

/** Writes a project from templates/project/<layers> into `folder`, as planned by core/projects. */
async function initProject(folder: string, options: InitOptions): Promise<{ written: string[]; skipped: string[]; overwritten: string[] }> {
  const template = parseTemplate(options.template);
  const ci = parseCiSystem(options.ci);
  const target = resolve(folder);
  const names = projectNames(basename(target), options.user ?? process.env.USER ?? userInfo().username);
  const layers: PlannedFile[][] = [];
  for (const layer of templateLayers(template, ci)) {
    const root = join(templatesRoot, layer);
    const files: PlannedFile[] = [];
    for (const path of await listFiles(root))
      files.push({ path: renderPath(path, names), content: renderText(await readFile(join(root, path), 'utf8'), names) });
    layers.push(files);
  }
  const present = (await unlessMissing(readdir(target))) ?? [];
  const plan = planWrites(folder, layerFiles(layers), new Set(await listFiles(target)), {
    merge: options.merge ?? false,
    force: options.force ?? false,
    isFolderEmpty: present.length === 0,
  });
  for (const file of [...plan.write, ...plan.overwrite]) {
    const path = join(target, file.path);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, file.content);
  }
  return { written: plan.write.map((f) => f.path), skipped: plan.skip, overwritten: plan.overwrite.map((f) => f.path) };
}

export function registerInit(program: Command): void {
  program
    .command('init')
    .description('write a runnable data-science project: Azure ML YAML, a scikit-learn package, a pipeline, a notebook and CI')
    .argument('<folder>', 'where to write it (created if missing; must be empty unless --merge)')
    .option(
      '--template <name>',
      `${projectTemplates.join(', ')}: training only, plus a batch endpoint, or plus an online endpoint`,
      'classical',
    )
    .option('--ci <system>', `${ciSystems.join(' or ')}: which CI files to write`, 'github')
    .option('--user <name>', 'whose notebook folder (notebooks/<user>/) to write (default: $USER)')
    .option('--merge', 'write into a folder that is not empty; existing files are kept and listed')
    .option('--force', 'with --merge, overwrite existing files instead of keeping them')
    .action(async (folder: string, options: InitOptions, command: Command) => {
      const { output } = cliContext(command);
      const result = await initProject(folder, options);
      printData(output, { folder, template: options.template, ci: options.ci, ...result }, () => {
        const lines = [`wrote ${result.written.length} files of the ${options.template} template into ${folder}`];
        if (result.overwritten.length > 0) lines.push(`overwritten (--force):`, ...result.overwritten.map((path) => `  ${path}`));
        if (result.skipped.length > 0)
          lines.push(`skipped (already there; --force overwrites them):`, ...result.skipped.map((path) => `  ${path}`));
        lines.push(`next: cd ${folder} && cat README.md`);
        return lines.join('\n');
      });
    });
}
