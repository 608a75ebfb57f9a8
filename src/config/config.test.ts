import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from './config.js';

describe('loadConfig', () => {
  let home: string;
  before(async () => {
    home = await mkdtemp(join(tmpdir(), 'trellis-config-'));
  });
  after(async () => rm(home, { recursive: true, force: true }));

  it('uses embedded defaults when nothing is set', () => {
    const config = loadConfig({ TRELLIS_HOME: home });
    assert.equal(config.port, 5050);
    assert.equal(config.host, '127.0.0.1');
    assert.equal(config.databaseUrl, undefined);
    assert.equal(config.serverUrl, 'http://127.0.0.1:5050');
    assert.equal(config.workspace, 'default');
    assert.equal(config.output, 'table');
  });

  it('reads config.yaml in the data directory, and the environment wins over it', async () => {
    await writeFile(join(home, 'config.yaml'), 'server: http://trellis.internal:8080/\nworkspace: team-a\noutput: json\nport: 6000\n');
    const fromFile = loadConfig({ TRELLIS_HOME: home });
    assert.equal(fromFile.serverUrl, 'http://trellis.internal:8080');
    assert.equal(fromFile.workspace, 'team-a');
    assert.equal(fromFile.output, 'json');
    assert.equal(fromFile.port, 6000);
    const overridden = loadConfig({
      TRELLIS_HOME: home,
      TRELLIS_WORKSPACE: 'team-b',
      TRELLIS_URL: 'http://127.0.0.1:7000',
      TRELLIS_PORT: '7001',
    });
    assert.equal(overridden.workspace, 'team-b');
    assert.equal(overridden.serverUrl, 'http://127.0.0.1:7000');
    assert.equal(overridden.port, 7001);
  });

  it('refuses a config file with an unknown key, naming the file and the key', async () => {
    await writeFile(join(home, 'config.yaml'), 'workspase: typo\n');
    assert.throws(
      () => loadConfig({ TRELLIS_HOME: home }),
      (error: Error & { code?: string }) =>
        error.code === 'InvalidConfiguration' && error.message.includes('config.yaml') && error.message.includes('workspase'),
    );
  });

  it('refuses a port that is not a number', () => {
    assert.throws(() => loadConfig({ TRELLIS_HOME: join(home, 'none'), TRELLIS_PORT: 'http' }), /TRELLIS_PORT 'http' is not a port number/);
  });
});
