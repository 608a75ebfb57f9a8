#!/usr/bin/env node
import { statSync } from 'node:fs';

// `trellis advisor check` runs in CI on every push: it loads the advisor's commands only, bundled
// when the build made the bundle (two files instead of ~190 modules); every other command loads the whole CLI.
if (process.argv[2] === 'advisor') {
  const cli: typeof import('./advisor-cli.js') = await import(advisorEntry());
  await cli.runAdvisorCli();
} else if (process.argv[2] === 'backup' || process.argv[2] === 'restore') {
  // Backups run from cron, often: their own commands only, not the whole CLI (a second less to start on a busy machine).
  const [{ registerBackup }, { runProgram }] = await Promise.all([import('./commands/backup.js'), import('./program.js')]);
  await runProgram([registerBackup]);
} else {
  const [{ allCommands }, { runProgram }] = await Promise.all([import('./all-commands.js'), import('./program.js')]);
  await runProgram(await allCommands());
}

/**
 * The advisor's bundle (`npm run build` writes it under this file's folder with esbuild) when it is at least
 * as new as this file, else its modules one by one: a bundle older than the compiled files is stale
 * (tsc was run on its own), and running the source under tsx has no bundle at all.
 */
function advisorEntry(): string {
  const bundle = new URL('./advisor-bundle/advisor-cli.js', import.meta.url);
  try {
    if (statSync(bundle).mtimeMs >= statSync(new URL(import.meta.url)).mtimeMs) return bundle.href;
  } catch {
    // No bundle (or no file to compare with, under tsx): the modules one by one.
  }
  return './advisor-cli.js';
}
