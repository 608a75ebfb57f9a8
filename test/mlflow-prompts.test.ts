import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createTestDatabase, testDialects, type TestDatabase } from './support/databases.js';
import { once } from './support/once.js';
import { runPython } from './support/python.js';
import { removeHome, repositoryRoot, startTrellis, type TrellisProcess } from './support/trellis-process.js';

/**
 * MLflow's prompt registry (mlflow.genai.register_prompt, load_prompt, aliases, search, chat
 * prompts, the link to the run that loads one) with the real Python client against Trellis; the
 * same script passes against MLflow 3.17.2's own server (docs/mlflow-compatibility.md).
 */
const script = join(repositoryRoot, 'test', 'python', 'mlflow_prompt_flow.py');

for (const dialect of testDialects()) {
  describe(`the MLflow prompt registry with the real Python client on ${dialect}`, () => {
    let database: TestDatabase;
    let trellis: TrellisProcess;
    /** The script at the server root, run once by whichever test needs it first. */
    const root = once(() => runPython(script, { MLFLOW_TRACKING_URI: trellis.url }));

    before(async () => {
      database = await createTestDatabase(dialect);
      trellis = await startTrellis({ databaseUrl: database.url });
      await trellis.client.createWorkspace({ name: 'team-a' });
    });

    after(async () => {
      await trellis.stop();
      await removeHome(trellis.home);
      await database.drop();
    });

    it('registers, versions, aliases, loads, formats and searches prompts at the server root', async () => {
      const result = await root();
      assert.equal(result.code, 0, result.output);
      assert.match(result.output, /ALL CHECKS PASSED \(20\)/);
    });

    it('does the same in another workspace, whose prompts are its own', async () => {
      await root();
      // After the root's run, the same script starts again at version 1 and lists only its own two
      // prompts: a shared registry would give version 3 and fail its first check.
      const result = await runPython(script, { MLFLOW_TRACKING_URI: `${trellis.url}/workspaces/team-a/mlflow` });
      assert.equal(result.code, 0, result.output);
      assert.match(result.output, /ok 1 - register_prompt makes version 1/);
    });
  });
}
