import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { removeHome, runCli, startTrellis, type TrellisProcess } from './support/trellis-process.js';

const modelYaml = (name: string, path: string) =>
  `$schema: https://azuremlschemas.azureedge.net/latest/model.schema.json\nname: ${name}\ntype: custom_model\npath: ${path}\n`;

// Issue 12: uploads followed symbolic links out of the folder (a model's `passwd -> /etc/passwd`).
describe('uploading local folders with symbolic links, through the CLI', () => {
  let trellis: TrellisProcess;
  let work: string;
  let passwdDigest: string;
  const cli = (...args: string[]) => runCli(args, { url: trellis.url, cwd: work });

  before(async () => {
    trellis = await startTrellis();
    work = await mkdtemp(join(tmpdir(), 'trellis-links-cli-'));
    passwdDigest = `sha256:${createHash('sha256')
      .update(await readFile('/etc/passwd'))
      .digest('hex')}`;
    await mkdir(join(work, 'leaky', 'weights'), { recursive: true });
    await writeFile(join(work, 'leaky', 'model.json'), '{"centroids": []}');
    await symlink('/etc/passwd', join(work, 'leaky', 'passwd'));
    await writeFile(join(work, 'leaky.yml'), modelYaml('leaky', 'leaky'));
  });

  after(async () => {
    await trellis.stop();
    await removeHome(trellis.home);
    await rm(work, { recursive: true, force: true });
  });

  it('refuses a folder with a link to /etc/passwd, naming the link and its target, and uploads nothing of it', async () => {
    const applied = await cli('apply', '-f', 'leaky.yml');
    assert.notEqual(applied.code, 0, applied.stdout);
    assert.match(applied.stderr, /'passwd' in .*leaky is a symbolic link to '\/etc\/passwd'/);
    assert.match(applied.stderr, /--skip-outside-links/);
    assert.equal(await trellis.client.contentInfo('default', passwdDigest), undefined);
    const models = await cli('model', 'list');
    assert.doesNotMatch(models.stdout, /leaky/);
  });

  it('skips the link with --skip-outside-links, warns, and says so in the summary', async () => {
    const applied = await cli('apply', '-f', 'leaky.yml', '--skip-outside-links');
    assert.equal(applied.code, 0, applied.stderr);
    assert.match(applied.stderr, /warning: not uploaded: .*leaky\/passwd -> \/etc\/passwd \(outside the folder\)/);
    assert.match(applied.stderr, /1 link not uploaded/);
    assert.match(applied.stdout, /model\s+leaky\s+1\s+created/);
    assert.match(applied.stdout, /skipped \(symbolic links not uploaded\):\n\s+.*leaky\/passwd -> \/etc\/passwd/);
    assert.equal(await trellis.client.contentInfo('default', passwdDigest), undefined);
  });

  it('follows links to files and folders that stay inside the folder, without looping', async () => {
    const folder = join(work, 'linked');
    await mkdir(join(folder, 'weights'), { recursive: true });
    await writeFile(join(folder, 'weights', 'w.bin'), 'weights inside');
    await writeFile(join(folder, 'model.json'), '{}');
    await symlink('model.json', join(folder, 'alias.json'));
    await symlink('weights', join(folder, 'more-weights'));
    await symlink('..', join(folder, 'weights', 'up'));
    await writeFile(join(work, 'linked.yml'), modelYaml('linked', 'linked'));
    const applied = await cli('apply', '-f', 'linked.yml');
    assert.equal(applied.code, 0, applied.stderr);
    assert.match(applied.stderr, /uploaded .*linked\/ \(4 files/);
    const model = await trellis.client.get('default', 'model', 'linked', '1');
    const digest = /sha256:[0-9a-f]{64}/.exec(String(model.spec.path))?.[0] ?? '';
    const manifest = await (await trellis.client.openContent('default', digest)).text();
    for (const path of ['alias.json', 'model.json', 'more-weights/w.bin', 'weights/w.bin']) assert.ok(manifest.includes(path), manifest);
  });

  it('refuses a path: that is itself a link, and applies the rule to model create --path and job create', async () => {
    await symlink('/etc', join(work, 'etc-link'));
    const viaPath = await cli('model', 'create', '--name', 'etc', '--path', join(work, 'etc-link'));
    assert.notEqual(viaPath.code, 0, viaPath.stdout);
    assert.match(viaPath.stderr, /is a symbolic link .*-> \/etc/);

    const viaFolder = await cli('model', 'create', '--name', 'leaky-flags', '--path', join(work, 'leaky'));
    assert.notEqual(viaFolder.code, 0, viaFolder.stdout);
    assert.match(viaFolder.stderr, /'passwd' .* '\/etc\/passwd'/);
    const skipped = await cli('model', 'create', '--name', 'leaky-flags', '--path', join(work, 'leaky'), '--skip-outside-links');
    assert.equal(skipped.code, 0, skipped.stderr);
    assert.match(skipped.stdout, /skipped \(symbolic links not uploaded\)/);

    await writeFile(
      join(work, 'job.yml'),
      '$schema: https://azuremlschemas.azureedge.net/latest/commandJob.schema.json\ncommand: cat passwd\ncode: leaky\nenvironment: azureml:sklearn-env@latest\ncompute: azureml:cpu-cluster\n',
    );
    const job = await cli('job', 'create', '-f', 'job.yml');
    assert.notEqual(job.code, 0, job.stdout);
    assert.match(job.stderr, /'passwd' in .*leaky is a symbolic link to '\/etc\/passwd'/);
    assert.equal(await trellis.client.contentInfo('default', passwdDigest), undefined);
  });
});
