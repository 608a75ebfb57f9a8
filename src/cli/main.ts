#!/usr/bin/env node
import { statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

// `trellis advisor check` runs in CI on every push: it loads the advisor's commands only, bundled
// when the build made the bundle (one file, with V8's code cache, instead of ~190 modules); the
// other advisor commands load the advisor's ES module bundle; every other command loads the whole CLI.
if (process.argv[2] === 'advisor') {
  const cli: typeof import('./advisor-cli.js') =
    (process.argv[3] === 'check' ? await checkBundle() : undefined) ?? (await import(advisorEntry()));
  await cli.runAdvisorCli();
} else if (process.argv[2] === 'backup' || process.argv[2] === 'restore') {
  // Backups run from cron, often: their own commands only, not the whole CLI (a second less to start on a busy machine).
  const [{ registerBackup }, { runProgram }] = await Promise.all([import('./commands/backup.js'), import('./program.js')]);
  await runProgram([registerBackup]);
} else {
  const [{ allCommands }, { runProgram }] = await Promise.all([import('./all-commands.js'), import('./program.js')]);
  await runProgram(await allCommands());
}

/** Whether the file built from the compiled files is at least as new as this one (a bundle older than them is stale: tsc was run on its own). */
function isFresh(built: URL): boolean {
  try {
    return statSync(built).mtimeMs >= statSync(new URL(import.meta.url)).mtimeMs;
  } catch {
    // No bundle (or no file to compare with, under tsx).
    return false;
  }
}

/**
 * The advisor's bundle (`npm run build` writes it under this file's folder with esbuild) when it is fresh,
 * else its modules one by one: running the source under tsx has no bundle at all.
 */
function advisorEntry(): string {
  const bundle = new URL('./advisor-bundle/advisor-cli.js', import.meta.url);
  return isFresh(bundle) ? bundle.href : './advisor-cli.js';
}

/** The advisor's commands from the CommonJS bundle that `advisor check` runs with its code cache (cached-bundle.ts), when it is fresh. */
async function checkBundle(): Promise<typeof import('./advisor-cli.js') | undefined> {
  const bundle = new URL('./advisor-bundle/advisor-check.cjs', import.meta.url);
  if (!isFresh(bundle)) return undefined;
  const { loadCachedBundle } = await import('./cached-bundle.js');
  const { exports } = loadCachedBundle(fileURLToPath(bundle));
  const run = typeof exports === 'object' && exports !== null && 'runAdvisorCli' in exports ? exports.runAdvisorCli : undefined;
  if (typeof run !== 'function') return undefined;
  return {
    runAdvisorCli: async () => {
      await run();
    },
  };
}
