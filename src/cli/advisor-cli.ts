import { registerAdvisor } from './commands/advisor.js';
import { runProgram } from './program.js';

/**
 * `trellis advisor ...`: the program with the advisor's commands only. `trellis advisor check` runs
 * in CI on every push, so main.ts loads this module, bundled by `npm run build` (esbuild, into
 * dist/cli/advisor-bundle/), and not the other commands: for `check`, one CommonJS file run with
 * V8's code cache (cached-bundle.ts, advisor-code-cache.ts); for `list`, `score` and `rules`, an ES
 * module bundle of this entry, a chunk of what it shares with the server's client, and the client's
 * own chunk.
 */
export async function runAdvisorCli(): Promise<void> {
  await runProgram([registerAdvisor]);
}
