import type { Command } from 'commander';
import { cliContext } from '../cli-context.js';
import { printData, renderTable } from '../output.js';

/** trellis audit: who changed what, newest first. */
export function registerAudit(program: Command): void {
  program
    .command('audit')
    .description('read the audit log of the workspace, newest first')
    .option('--kind <kind>', 'only this kind')
    .option('--name <name>', 'only this name')
    .option('--limit <n>', 'how many events', '50')
    .action(async (options: { kind?: string; name?: string; limit: string }, command: Command) => {
      const context = cliContext(command);
      const page = await context.client.audit(context.workspace, {
        ...(options.kind ? { kind: options.kind } : {}),
        ...(options.name ? { name: options.name } : {}),
        limit: Number(options.limit),
      });
      printData(context.output, page.items, () =>
        renderTable(
          ['WHEN', 'WHO', 'ACTION', 'KIND', 'NAME', 'VERSION', 'BEFORE', 'AFTER'],
          page.items.map((e) => [
            e.at.replace('T', ' ').replace(/\.\d+Z$/, 'Z'),
            e.actor,
            e.action,
            e.kind,
            e.name,
            e.version ?? '-',
            short(e.beforeDigest),
            short(e.afterDigest),
          ]),
        ),
      );
    });
}

function short(digest: string | null): string {
  return digest ? digest.slice('sha256:'.length, 'sha256:'.length + 12) : '-';
}
