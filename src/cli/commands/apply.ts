import type { Command } from 'commander';
import { ApiError } from '../../client/api-error.js';
import type { ApplyResultBody } from '../../client/trellis-client.js';
import type { ResourceKind } from '../../core/resources/kinds.js';
import {
  applyOne,
  collectYamlFiles,
  prepareFiles,
  skipOutsideLinksFlag,
  targetWorkspace,
  uploadLocalPaths,
  uploadOptionsFrom,
} from '../apply-files.js';
import { describeSkippedLink } from '../local-files.js';
import { cliContext } from '../cli-context.js';
import { printData, renderTable } from '../output.js';

/** Applies files: all are checked first, and nothing is written unless every file is valid. */
export async function applyFiles(
  command: Command,
  target: string,
  options: { dryRun?: boolean; expectedKind?: ResourceKind; rewrite?: (text: string, file: string) => string; skipOutsideLinks?: boolean },
): Promise<void> {
  const { client, workspace, output } = cliContext(command);
  const files = await collectYamlFiles(target);
  if (files.length === 0) throw new ApiError(400, 'NoFiles', `no .yml or .yaml files in '${target}'`);
  const { prepared, failures } = await prepareFiles(files, options.expectedKind, options.rewrite);
  if (failures.length > 0) {
    const lines = failures.flatMap((failure) =>
      failure.problems.length > 0
        ? failure.problems.map((p) => `${failure.file}${p.line ? `:${p.line}` : ''}: ${p.path || '(root)'}: ${p.message}`)
        : [`${failure.file}: ${failure.message ?? 'invalid'}`],
    );
    throw new ApiError(
      422,
      'InvalidInput',
      `nothing was applied; ${lines.length} problem${lines.length === 1 ? '' : 's'} to fix:\n${lines.join('\n')}`,
    );
  }
  const progress = (line: string) => {
    if (output === 'table') process.stderr.write(`${line}\n`);
  };
  const skippedLinks: string[] = [];
  const uploadOptions = uploadOptionsFrom(options, (link, folder) => skippedLinks.push(`  ${folder}/${describeSkippedLink(link)}`));
  const results: Array<ApplyResultBody & { file: string }> = [];
  // Workspaces first: the other files may live in them.
  for (const item of prepared.filter((p) => p.parsed.kind === 'workspace')) {
    results.push({
      file: item.file,
      ...(await applyOne(client, workspace, item, { uploads: {}, inlined: {} }, options.dryRun ?? false).catch(rethrowFor(item.file))),
    });
  }
  // Then upload content and let the server check every file (references, immutability) before the first write.
  const others = prepared.filter((p) => p.parsed.kind !== 'workspace');
  const checked = [];
  for (const item of others) {
    const content = await uploadLocalPaths(client, targetWorkspace(item, workspace), item, progress, uploadOptions).catch(
      rethrowFor(item.file),
    );
    checked.push({ item, content, plan: await applyOne(client, workspace, item, content, true).catch(rethrowFor(item.file)) });
  }
  for (const { item, content, plan } of checked) {
    const result = options.dryRun ? plan : await applyOne(client, workspace, item, content, false).catch(rethrowFor(item.file));
    results.push({ file: item.file, ...result });
  }
  printData(output, results.length === 1 ? results[0] : results, () => {
    const table = renderTable(
      ['FILE', 'KIND', 'NAME', 'VERSION', 'RESULT'],
      results.map((r) => [r.file, r.kind, r.name, r.version ?? '-', `${r.action}${r.dryRun ? ' (dry run)' : ''}`]),
    );
    const notes = results.flatMap((r) => r.notes.map((n) => `  ${r.file}${n.line ? `:${n.line}` : ''}: ${n.path}: ${n.message}`));
    const skipped = skippedLinks.length > 0 ? `\nskipped (symbolic links not uploaded):\n${skippedLinks.join('\n')}` : '';
    return `${notes.length > 0 ? `${table}\nnotes:\n${notes.join('\n')}` : table}${skipped}`;
  });
}

function rethrowFor(file: string): (error: unknown) => never {
  return (error) => {
    if (error instanceof ApiError && !error.message.includes(file))
      throw new ApiError(error.status, error.code, `${file}: ${error.message}`, error.problems, error.requestId);
    throw error;
  };
}

export function registerApply(program: Command): void {
  program
    .command('apply')
    .description('create or update resources from Azure ML v2 YAML files, idempotently')
    .requiredOption('-f, --file <path>', 'a YAML file, or a folder of them')
    .option('--dry-run', 'check and report what would change, write nothing')
    .option(...skipOutsideLinksFlag)
    .action(async (options: { file: string; dryRun?: boolean; skipOutsideLinks?: boolean }, command: Command) =>
      applyFiles(command, options.file, { dryRun: options.dryRun ?? false, skipOutsideLinks: options.skipOutsideLinks ?? false }),
    );
}
