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

  it('reads the Alertmanager URL from alerting.alertmanager_url, TRELLIS_ALERTMANAGER_URL winning', async () => {
    assert.equal(loadConfig({ TRELLIS_HOME: join(home, 'none') }).alerting.alertmanagerUrl, undefined);
    await writeFile(join(home, 'config.yaml'), 'alerting:\n  alertmanager_url: http://alertmanager.monitoring.svc:9093/\n');
    assert.equal(loadConfig({ TRELLIS_HOME: home }).alerting.alertmanagerUrl, 'http://alertmanager.monitoring.svc:9093');
    const fromEnv = loadConfig({ TRELLIS_HOME: home, TRELLIS_ALERTMANAGER_URL: 'https://ops:pw@alerts.example' });
    assert.equal(fromEnv.alerting.alertmanagerUrl, 'https://ops:pw@alerts.example');
  });

  it('refuses an Alertmanager URL that is not http(s), naming the setting but not the value', async () => {
    assert.throws(
      () => loadConfig({ TRELLIS_HOME: join(home, 'none'), TRELLIS_ALERTMANAGER_URL: 'ftp://ops:hunter2@alerts.example' }),
      (error: Error & { code?: string }) =>
        error.code === 'InvalidConfiguration' &&
        error.message.includes('alerting.alertmanager_url') &&
        error.message.includes('TRELLIS_ALERTMANAGER_URL') &&
        !error.message.includes('hunter2'),
    );
    await writeFile(join(home, 'config.yaml'), 'alerting:\n  alertmanager_url: alertmanager:9093\n');
    assert.throws(() => loadConfig({ TRELLIS_HOME: home }), /alerting\.alertmanager_url/);
  });

  it('reads prices from config.yaml, Azure list prices in USD when there are none', async () => {
    assert.deepEqual(loadConfig({ TRELLIS_HOME: join(home, 'none') }).prices, {
      currency: 'USD',
      fallback: 'azure-list',
      sizes: {},
      computes: {},
    });
    await writeFile(
      join(home, 'config.yaml'),
      'prices:\n  fallback: none\n  sizes:\n    standard_ds3_v2: { dedicated_per_hour: 0.5 }\n  computes:\n    slurm-a100: { per_hour: 4.1 }\n',
    );
    const { prices } = loadConfig({ TRELLIS_HOME: home });
    assert.deepEqual(prices, {
      currency: 'USD',
      fallback: 'none',
      sizes: { Standard_DS3_v2: { dedicated_per_hour: 0.5 } },
      computes: { 'slurm-a100': { per_hour: 4.1 } },
    });
  });

  it('refuses prices that are not a price list, naming every field under prices', async () => {
    await writeFile(
      join(home, 'config.yaml'),
      'prices:\n  sizes:\n    Standard_DS3_v2: { dedicated_per_hour: -1 }\n  computes:\n    a/b/c: { per_hour: 2 }\n',
    );
    assert.throws(
      () => loadConfig({ TRELLIS_HOME: home }),
      (error: Error & { code?: string }) =>
        error.code === 'InvalidConfiguration' &&
        error.message.includes('config.yaml is not valid') &&
        error.message.includes('prices.sizes.Standard_DS3_v2.dedicated_per_hour: must be more than 0') &&
        error.message.includes("prices.computes.a/b/c: 'a/b/c' is not a compute"),
    );
  });

  it('refuses a port that is not a number', () => {
    assert.throws(() => loadConfig({ TRELLIS_HOME: join(home, 'none'), TRELLIS_PORT: 'http' }), /TRELLIS_PORT 'http' is not a port number/);
  });

  it("reads the controllers' lease TTL, 10 s by default, and refuses one too short or not a number, naming it", () => {
    const none = join(home, 'none');
    assert.equal(loadConfig({ TRELLIS_HOME: none }).controllers.leaseTtlMs, 10_000);
    assert.equal(loadConfig({ TRELLIS_HOME: none, TRELLIS_LEASE_TTL_MS: '3000' }).controllers.leaseTtlMs, 3_000);
    assert.throws(
      () => loadConfig({ TRELLIS_HOME: none, TRELLIS_LEASE_TTL_MS: '100' }),
      /TRELLIS_LEASE_TTL_MS '100' is too short.*300 or more/,
    );
    assert.throws(
      () => loadConfig({ TRELLIS_HOME: none, TRELLIS_LEASE_TTL_MS: 'ten' }),
      /TRELLIS_LEASE_TTL_MS 'ten' must be a positive whole number of milliseconds/,
    );
  });

  it("reads MLflow's GraphQL limits from MLflow's variables, 10 each by default", () => {
    assert.deepEqual(loadConfig({ TRELLIS_HOME: join(home, 'none') }).mlflowGraphql, { maxRootFields: 10, maxAliases: 10 });
    const set = loadConfig({
      TRELLIS_HOME: join(home, 'none'),
      MLFLOW_SERVER_GRAPHQL_MAX_ROOT_FIELDS: '3',
      MLFLOW_SERVER_GRAPHQL_MAX_ALIASES: '25',
    });
    assert.deepEqual(set.mlflowGraphql, { maxRootFields: 3, maxAliases: 25 });
    assert.throws(
      () => loadConfig({ TRELLIS_HOME: join(home, 'none'), MLFLOW_SERVER_GRAPHQL_MAX_ALIASES: 'many' }),
      /MLFLOW_SERVER_GRAPHQL_MAX_ALIASES 'many' must be a positive whole number$/,
    );
  });
});
