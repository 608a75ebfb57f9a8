import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { ApiError } from '../../client/api-error.js';
import { isAssetKind, isResourceKind, type ResourceKind } from '../../core/resources/kinds.js';
import type { ResourceRecord } from '../../core/resources/resource.js';
import { applySetOverrides } from '../../core/azureml/parse-job-file.js';
import { remoteScheme } from '../../core/azureml/paths.js';
import { skipOutsideLinksFlag } from '../apply-files.js';
import { environmentYamlFromFlags, modelYamlFromFlags, type EnvironmentFlags, type ModelFlags } from '../asset-flags.js';
import { cliContext, type CliContext } from '../cli-context.js';
import { unlessMissing } from '../../core/error-codes.js';
import { computeYamlFromFlags, type ComputeFlags } from '../compute-flags.js';
import { printData, resourceDetail, resourceTable } from '../output.js';
import { applyFiles } from './apply.js';

type ContainedKind = Exclude<ResourceKind, 'workspace'>;
const containedKinds: ContainedKind[] = ['environment', 'data', 'code', 'model', 'component', 'compute'];

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** `trellis <kind> create|show|list|update|delete`, as `az ml <kind> ...` has them. */
export function registerResourceGroups(program: Command): void {
  for (const kind of containedKinds) {
    const isAsset = isAssetKind(kind);
    const group = program.command(kind).description(`${kind} ${isAsset ? 'assets (immutable, versioned)' : 'definitions'}`);

    const hasFlagForm = kind === 'compute' || kind === 'model' || kind === 'environment';
    const create = group
      .command('create')
      .description(
        hasFlagForm
          ? `create a ${kind} from an Azure ML YAML file, or from the flags below (idempotent)`
          : `create a ${kind} from an Azure ML YAML file (idempotent)`,
      )
      .option('-f, --file <file>', 'the YAML file')
      .option('-n, --name <name>', "the name (overrides the file's)")
      .option('--set <key=value>', 'override a field of the file, e.g. --set tags.team=vision (repeat)', collect)
      .option('--dry-run', 'check only');
    if (kind === 'compute') {
      create
        .option('--type <type>', 'without --file: amlcompute (default), computeinstance, slurm, kubernetes')
        .option('--size <size>', 'without --file: the VM size, e.g. Standard_DS3_v2')
        .option('--min-instances <n>', 'without --file: nodes kept up (default 0)')
        .option('--max-instances <n>', 'without --file: most nodes (default 4)')
        .option('--idle-time-before-scale-down <seconds>', 'without --file: idle seconds before a node goes (default 120)')
        .option('--tier <tier>', 'without --file: dedicated or low_priority');
    }
    if (kind === 'model' || kind === 'environment')
      create
        .option('-v, --version <version>', 'without --file: the version (default: the next one)')
        .option('--description <text>', 'without --file: a description');
    if (kind === 'model') {
      create
        .option(
          '-p, --path <path>',
          'without --file: the model file or folder (uploaded), or a URI such as azureml://jobs/<job>/outputs/<output>',
        )
        .option('-t, --type <type>', 'without --file: custom_model (default), mlflow_model or triton_model');
    }
    if (kind === 'environment') {
      create
        .option('-i, --image <image>', 'without --file: the Docker image, e.g. python:3.11-slim')
        .option('--conda-file <file>', 'without --file: a conda YAML file, installed on top of --image')
        .option('-b, --build-context <folder>', 'without --file: a Docker build context (instead of --image)')
        .option('--dockerfile-path <path>', 'without --file: the Dockerfile inside --build-context (default Dockerfile)');
    }
    const inRegistries = kind === 'model' || kind === 'environment' || kind === 'component' || kind === 'data';
    const registryFlag = [
      '--registry-name <registry>',
      `the registry to work in instead of the workspace (${kind}s a registry shares)`,
    ] as const;
    if (inRegistries) create.option(...registryFlag);
    create.option('--no-wait', 'accepted as az has it: the resource exists when the command returns');
    if (kind !== 'compute') create.option(...skipOutsideLinksFlag);
    create.action(
      async (
        options: { file?: string; name?: string; set?: string[]; dryRun?: boolean; skipOutsideLinks?: boolean } & ComputeFlags &
          ModelFlags &
          EnvironmentFlags,
        command: Command,
      ) => {
        const overrides = [...(options.set ?? []), ...(options.name ? [`name=${options.name}`] : [])];
        const rewrite = overrides.length > 0 ? (text: string, file: string) => applySetOverrides(text, overrides, file) : undefined;
        const links = { skipOutsideLinks: options.skipOutsideLinks ?? false };
        if (options.file)
          return applyFiles(command, options.file, {
            dryRun: options.dryRun ?? false,
            expectedKind: kind,
            ...links,
            ...(rewrite ? { rewrite } : {}),
          });
        const yaml = await yamlFromFlags(kind, options);
        const folder = await mkdtemp(join(tmpdir(), `trellis-${kind}-`));
        try {
          const file = join(folder, `${kind}.yml`);
          await writeFile(file, yaml);
          await applyFiles(command, file, {
            dryRun: options.dryRun ?? false,
            expectedKind: kind,
            ...links,
            ...(rewrite ? { rewrite } : {}),
          });
        } finally {
          await rm(folder, { recursive: true, force: true });
        }
      },
    );

    const show = group
      .command('show')
      .description(`show a ${kind}`)
      .requiredOption('-n, --name <name>', isAsset ? 'name, or name:version / name@latest' : 'name');
    if (isAsset) show.option('-v, --version <version>', 'version (default: latest)').option('-l, --label <label>', "label: 'latest'");
    if (inRegistries) show.option(...registryFlag);
    show.action(async (options: { name: string; version?: string; label?: string }, command: Command) => {
      const context = cliContext(command);
      printResource(context, await fetchOne(context, kind, options.name, options.version));
    });

    const list = group
      .command('list')
      .description(isAsset ? `list ${kind} names (newest version each), or the versions of one` : `list ${kind}`);
    if (isAsset) list.option('-n, --name <name>', 'list the versions of this name');
    if (inRegistries) list.option(...registryFlag);
    list
      .option('--tag <key=value>', 'only those with this tag (repeat for AND; key alone for any value)', collect)
      .option('--limit <n>', 'page size', '100')
      .option('--all', 'follow every page')
      .action(async (options: { name?: string; tag?: string[]; limit: string; all?: boolean }, command: Command) => {
        const context = cliContext(command);
        const items: ResourceRecord[] = [];
        let pageToken: string | undefined;
        do {
          const page = await context.client.list(context.workspace, kind, {
            ...(options.name ? { name: options.name } : {}),
            ...(options.tag ? { tag: options.tag } : {}),
            limit: Number(options.limit),
            ...(pageToken ? { pageToken } : {}),
          });
          items.push(...page.items);
          pageToken = options.all ? (page.nextPageToken ?? undefined) : undefined;
          if (!options.all && page.nextPageToken && context.output === 'table') process.stderr.write('(more: use --all)\n');
        } while (pageToken);
        printData(context.output, items, () => resourceTable(items));
      });

    const update = group
      .command('update')
      .description(`change tags or description of a ${kind}`)
      .requiredOption('-n, --name <name>', 'name');
    if (isAsset) update.option('-v, --version <version>', 'version (default: latest)');
    update
      .option('--set <key=value>', 'tags.<key>=<value> or description=<text> (repeat)', collect)
      .option('--remove <key>', 'tags.<key> to remove (repeat)', collect)
      .action(async (options: { name: string; version?: string; set?: string[]; remove?: string[] }, command: Command) => {
        const context = cliContext(command);
        const current = await fetchOne(context, kind, options.name, options.version);
        const tags = { ...current.tags };
        let description = current.description;
        for (const assignment of options.set ?? []) {
          const equals = assignment.indexOf('=');
          const key = equals < 0 ? assignment : assignment.slice(0, equals);
          const value = equals < 0 ? '' : assignment.slice(equals + 1);
          if (key.startsWith('tags.')) tags[key.slice(5)] = value;
          else if (key === 'description') description = value;
          else
            throw new ApiError(
              400,
              'InvalidArgument',
              `--set ${assignment}: only tags.<key>=<value> and description=<text> can change; ${isAsset ? 'assets are immutable, create a new version for anything else' : 'apply an edited YAML file for the rest'}`,
            );
        }
        for (const key of options.remove ?? []) delete tags[key.replace(/^tags\./, '')];
        const updated = await context.client.patch(
          context.workspace,
          kind,
          current.name,
          current.version,
          { tags, description },
          current.etag,
        );
        printResource(context, updated);
      });

    // Archive and restore, as az ml <asset> archive/restore: hidden from list and @latest, still usable by version.
    if (isAsset && kind !== 'code')
      for (const [verb, archived] of [
        ['archive', true],
        ['restore', false],
      ] as const)
        group
          .command(verb)
          .description(
            archived
              ? `archive a ${kind} version, or all versions of the name: left out of list and @latest, still usable as name:version`
              : `restore an archived ${kind} version, or all versions of the name`,
          )
          .requiredOption('-n, --name <name>', 'name')
          .option('-v, --version <version>', 'one version (default: every version of the name)')
          .action(async (options: { name: string; version?: string }, command: Command) => {
            const context = cliContext(command);
            const page = await context.client.archive(context.workspace, kind, options.name, options.version, archived);
            printData(context.output, page.items, () =>
              page.items.map((item) => `${verb === 'archive' ? 'archived' : 'restored'} ${kind} ${item.name}:${item.version}`).join('\n'),
            );
          });

    const remove = group
      .command('delete')
      .description(`delete a ${kind}`)
      .requiredOption('-n, --name <name>', 'name')
      .option('-y, --yes', 'accepted as az has it: delete asks nothing');
    if (isAsset) remove.requiredOption('-v, --version <version>', 'the version to delete');
    remove.action(async (options: { name: string; version?: string }, command: Command) => {
      const context = cliContext(command);
      const deleted = await context.client.delete(context.workspace, kind, options.name, isAsset ? (options.version ?? null) : null);
      printData(context.output, deleted, () => `deleted ${kind} ${deleted.name}${deleted.version ? `:${deleted.version}` : ''}`);
    });
  }
}

/** kubectl-style verbs over any kind: get/show, list, delete. */
export function registerGenericVerbs(program: Command): void {
  const parseKind = (text: string): ContainedKind => {
    const kind = text.replace(/s$/, '') === 'datum' ? 'data' : text === 'data' ? 'data' : text.replace(/s$/, '');
    if (!isResourceKind(kind) || kind === 'workspace') {
      throw new ApiError(
        400,
        'UnknownKind',
        `unknown kind '${text}'; use one of: ${containedKinds.join(', ')} (or 'trellis workspace list')`,
      );
    }
    return kind;
  };

  for (const verb of ['get', 'show']) {
    program
      .command(`${verb} <kind> <reference>`)
      .description('show one resource: model iris:2, model iris@latest, model azureml:iris:2, compute cpu-cluster')
      .action(async (kindText: string, reference: string, _options: unknown, command: Command) => {
        const context = cliContext(command);
        const resource = await context.client.resolve(context.workspace, parseKind(kindText), reference);
        printResource(context, resource);
      });
  }

  program
    .command('list <kind>')
    .description('list resources of a kind')
    .option('--tag <key=value>', 'tag filter (repeat for AND)', collect)
    .action(async (kindText: string, options: { tag?: string[] }, command: Command) => {
      const context = cliContext(command);
      const page = await context.client.list(context.workspace, parseKind(kindText), {
        ...(options.tag ? { tag: options.tag } : {}),
        limit: 1000,
      });
      printData(context.output, page.items, () => resourceTable(page.items));
    });

  program
    .command('delete <kind> <reference>')
    .description('delete a resource: model iris:2, compute cpu-cluster')
    .action(async (kindText: string, reference: string, _options: unknown, command: Command) => {
      const context = cliContext(command);
      const kind = parseKind(kindText);
      const resource = await context.client.resolve(context.workspace, kind, reference);
      if (isAssetKind(kind) && !/:[^:]+$/.test(reference.replace(/^azureml:/, ''))) {
        throw new ApiError(
          400,
          'VersionRequired',
          `say which version of ${kind} '${resource.name}' to delete, e.g. ${resource.name}:${resource.version}`,
        );
      }
      const deleted = await context.client.delete(context.workspace, kind, resource.name, resource.version, resource.etag);
      printData(context.output, deleted, () => `deleted ${kind} ${deleted.name}${deleted.version ? `:${deleted.version}` : ''}`);
    });
}

/**
 * `<kind> create` without --file: the YAML the flags describe (compute, model, environment), with
 * local paths relative to where the command runs; a 400 naming the flags that are missing.
 */
async function yamlFromFlags(
  kind: ContainedKind,
  options: { name?: string } & ComputeFlags & ModelFlags & EnvironmentFlags,
): Promise<string> {
  if (kind === 'compute' && options.name) return computeYamlFromFlags(options);
  if (kind === 'model' && options.name && options.path) {
    await requireLocalPath('--path', options.path);
    return modelYamlFromFlags(options, process.cwd());
  }
  if (kind === 'environment' && options.name && (options.image || options.buildContext)) {
    if (options.condaFile) await requireLocalPath('--conda-file', options.condaFile);
    if (options.buildContext) await requireLocalPath('--build-context', options.buildContext);
    return environmentYamlFromFlags(options, process.cwd());
  }
  const withFlags: Partial<Record<ContainedKind, string>> = {
    compute: '--name with the flags (e.g. --name cpu-cluster --size Standard_DS3_v2 --max-instances 4)',
    model: '--name and --path (e.g. --name iris --path ./model --type mlflow_model)',
    environment:
      '--name with --image (and --conda-file), or with --build-context (e.g. --name sklearn-env --image python:3.11-slim --conda-file conda.yml)',
  };
  throw new ApiError(400, 'MissingFile', `give --file <${kind}.yml>${withFlags[kind] ? `, or ${withFlags[kind]}` : ''}`);
}

/** A local path a flag names must exist (a URI or asset reference is left to the server). */
async function requireLocalPath(flag: string, path: string): Promise<void> {
  if (remoteScheme(path) !== undefined) return;
  const absolute = resolve(path.replace(/^file:/, ''));
  if (!(await unlessMissing(stat(absolute))))
    throw new ApiError(
      400,
      'FileNotFound',
      `${flag}: '${path}' does not exist (looked for ${absolute}); give a path relative to where you run the command, or an absolute one`,
    );
}

async function fetchOne(context: CliContext, kind: ContainedKind, name: string, version: string | undefined): Promise<ResourceRecord> {
  if (!isAssetKind(kind)) return context.client.get(context.workspace, kind, name, null);
  if (version !== undefined) return context.client.get(context.workspace, kind, name, version);
  return context.client.resolve(context.workspace, kind, name);
}

function printResource(context: CliContext, resource: ResourceRecord): void {
  printData(context.output, resource, () => resourceDetail(resource));
}
