import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createTestDatabase, testDialects, type TestDatabase } from './support/databases.js';
import { once } from './support/once.js';
import { removeHome, repositoryRoot, runCli, startTrellis, type TrellisProcess } from './support/trellis-process.js';

const examples = join(repositoryRoot, 'test', 'fixtures', 'azureml-examples', 'cli');

/** The command an Azure ML user runs for each folder: `az ml <kind> create --file`. */
const kindOfFolder: Record<string, string> = {
  'assets/data': 'data',
  'assets/environment': 'environment',
  'assets/model': 'model',
  'resources/compute': 'compute',
  'resources/workspace': 'workspace',
};

/** Files in those folders that are not resources of that kind, and what Trellis says about them. */
const refused: Record<string, RegExp> = {
  'assets/data/azure-sql-import.yml': /data import/,
  'assets/data/s3-import.yml': /data import/,
  'assets/data/snowflake-import.yml': /data import/,
  'assets/data/snowflake-import-managed.yml': /data import/,
  'assets/data/simple_import_schedule.yml': /schedule/,
  'assets/data/data_import_schedule_database_inline.yml': /schedule/,
  // The example keeps a placeholder for the user to fill in; Azure refuses it as a name too.
  'resources/compute/attached-spark.yml': /<ATTACHED_SPARK_POOL_NAME>.*not a valid name/,
  'resources/compute/attached-spark-system-identity.yml': /<ATTACHED_SPARK_POOL_NAME>.*not a valid name/,
  'resources/compute/attached-spark-user-identity.yml': /<ATTACHED_SPARK_POOL_NAME>.*not a valid name/,
};

/** Resource files directly in a folder (sub-folders hold the content they point to). */
async function resourceFiles(folder: string): Promise<string[]> {
  const entries = await readdir(join(examples, folder), { withFileTypes: true });
  return entries
    .filter((e) => e.isFile() && /\.ya?ml$/.test(e.name))
    .map((e) => `${folder}/${e.name}`)
    .sort();
}

async function inBatches<T, R>(items: T[], size: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = [];
  for (let i = 0; i < items.length; i += size) results.push(...(await Promise.all(items.slice(i, i + size).map(work))));
  return results;
}

for (const dialect of testDialects()) {
  describe(`the public Azure ML examples apply unchanged on ${dialect}`, () => {
    let database: TestDatabase;
    let trellis: TrellisProcess;

    before(async () => {
      database = await createTestDatabase(dialect);
      trellis = await startTrellis({ databaseUrl: database.url });
    });

    after(async () => {
      await trellis.stop();
      await removeHome(trellis.home);
      await database.drop();
    });

    const kindOf = (file: string) => kindOfFolder[file.split('/').slice(0, 2).join('/')]!;
    const apply = (file: string) => runCli([kindOf(file), 'create', '--file', join(examples, file), '-o', 'json'], { url: trellis.url });
    /** Every example created once, by the first test that needs them (the first test checks how each went). */
    const createAll = once(async () => {
      const files = (await Promise.all(Object.keys(kindOfFolder).map(resourceFiles))).flat();
      const nameOf = async (file: string) => /^name:\s*(\S+)/m.exec(await readFile(join(examples, file), 'utf8'))?.[1] ?? file;

      // Two examples share a name (cluster-system-identity and cluster-user-identity are both
      // basic-example): the later one updates the earlier, so they run one after the other.
      const identities = await Promise.all(files.map(async (file) => `${kindOf(file)}/${await nameOf(file)}`));
      const shared = files.filter((_, i) => identities.indexOf(identities[i]!) !== identities.lastIndexOf(identities[i]!));
      const unique = files.filter((file) => !shared.includes(file));

      const first = [...(await inBatches(unique, 4, async (file) => ({ file, result: await apply(file) })))];
      for (const file of shared) first.push({ file, result: await apply(file) });
      return { files, unique, first };
    });

    it('creates every resource file with `trellis <kind> create --file`, twice, the second time unchanged', async () => {
      const { files, unique, first } = await createAll();
      assert.ok(files.length >= 40, `expected the example files, found ${files.length}`);
      const seen = new Set<string>();
      for (const { file, result } of first) {
        const refusal = refused[file];
        if (refusal) {
          assert.equal(result.code, 1, `${file} should be refused`);
          assert.match(result.stderr, refusal, file);
          continue;
        }
        assert.equal(result.code, 0, `${file}: ${result.stderr}`);
        const applied = JSON.parse(result.stdout) as { action: string; kind: string; name: string };
        const identity = `${applied.kind}/${applied.name}`;
        assert.equal(applied.action, seen.has(identity) ? 'updated' : 'created', file);
        assert.equal(applied.kind, kindOf(file), file);
        seen.add(identity);
      }

      const again = await inBatches(
        unique.filter((file) => !refused[file]),
        4,
        async (file) => ({ file, result: await apply(file) }),
      );
      for (const { file, result } of again) {
        assert.equal(result.code, 0, `${file}: ${result.stderr}`);
        assert.equal((JSON.parse(result.stdout) as { action: string }).action, 'unchanged', file);
      }
    });

    it('records Azure-only fields with "no local effect" and remote paths as references', async () => {
      await createAll();
      const cluster = await trellis.client.get('default', 'compute', 'location-example', null);
      assert.equal(cluster.spec.location, 'westus');
      const notes = cluster.status.notes as Array<{ path: string; message: string }>;
      assert.ok(
        notes.some((note) => note.path === 'location' && /recorded, no local effect/.test(note.message)),
        JSON.stringify(notes),
      );

      const cloud = await trellis.client.resolve('default', 'data', 'cloud-file-https-example@latest');
      assert.match(String(cloud.spec.path), /^https:\/\//);
      const cloudNotes = cloud.status.notes as Array<{ message: string }>;
      assert.ok(
        cloudNotes.some((note) => /recorded as a reference, not fetched/.test(note.message)),
        JSON.stringify(cloudNotes),
      );

      // The example carries an SSH password: it is never stored, and never given back.
      const withPassword = await trellis.client.get('default', 'compute', 'ssh-example', null);
      const password = /admin_password:\s*(\S+)/.exec(
        await readFile(join(examples, 'resources/compute/cluster-ssh-password.yml'), 'utf8'),
      )?.[1];
      assert.ok(password);
      assert.ok(!JSON.stringify(withPassword).includes(password), 'the password must not be stored');
      assert.match(String((withPassword.spec.ssh_settings as Record<string, unknown>).admin_password), /redacted/);

      const local = await trellis.client.resolve('default', 'data', 'local-file-example-titanic@latest');
      assert.match(String(local.spec.path), /^trellis:\/\/content\/sha256:[0-9a-f]{64}\/titanic\.csv$/);
    });

    it('lists what was created', async () => {
      await createAll();
      const workspaces = (await trellis.client.listWorkspaces({ limit: 100 })).items.map((w) => w.name);
      assert.ok(workspaces.length >= 6, workspaces.join(','));
      const computes = (await trellis.client.list('default', 'compute', { limit: 100 })).items.map((c) => c.name);
      assert.ok(computes.includes('minimal-example'), computes.join(','));
    });
  });
}
