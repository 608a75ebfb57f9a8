import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { freePort } from '../../src/controllers/jobs/free-port.js';
import { waitFor } from './wait-for.js';

/** Debian's Alertmanager (apt-get install prometheus-alertmanager); TRELLIS_ALERTMANAGER names another. */
export const alertmanagerBinary = process.env.TRELLIS_ALERTMANAGER || '/usr/bin/prometheus-alertmanager';

/** Why the Alertmanager tests cannot run here, or false when they can. */
export function alertmanagerMissing(): string | false {
  if (!existsSync(alertmanagerBinary)) return `no Alertmanager at ${alertmanagerBinary} (apt-get install prometheus-alertmanager)`;
  return false;
}

export interface AlertmanagerOptions {
  /** The email receiver's smarthost (an SMTP sink): alerts with an `emails` label are mailed to it. */
  smtp?: { host: string; port: number };
  /** A webhook receiver's URL: every alert is posted to it too. */
  webhookUrl?: string;
  /** Default 1s, 1s and 1h: the first notification comes within a second, a repeat not within a test. */
  groupWait?: string;
  groupInterval?: string;
  repeatInterval?: string;
}

export interface RunningAlertmanager {
  /** `http://127.0.0.1:<port>`. */
  url: string;
  /** What it logged (it logs to stderr), for failure messages. */
  output(): string;
  /** Kills it and removes its folder (config and storage). */
  stop(): Promise<void>;
}

/**
 * The alertmanager.yml the tests run with: the one docs give for routing Trellis alerts to email
 * (to: the `emails` label, the summaries in the text part), with short timings and no TLS.
 */
export function alertmanagerConfig(options: AlertmanagerOptions): Record<string, unknown> {
  const receivers: Array<Record<string, unknown>> = [{ name: 'none' }];
  const routes: Array<Record<string, unknown>> = [];
  if (options.webhookUrl) {
    receivers.push({ name: 'webhook', webhook_configs: [{ url: options.webhookUrl, send_resolved: true }] });
    routes.push({ receiver: 'webhook', matchers: ['alertname=~"TrellisMonitorBreach|TrellisBudgetThreshold"'], continue: true });
  }
  if (options.smtp) {
    receivers.push({
      name: 'email',
      email_configs: [
        {
          to: '{{ .CommonLabels.emails }}',
          send_resolved: true,
          text: '{{ range .Alerts }}{{ .Annotations.summary }}\n{{ .Annotations.description }}\n\n{{ end }}',
        },
      ],
    });
    routes.push({ receiver: 'email', matchers: ['alertname=~"TrellisMonitorBreach|TrellisBudgetThreshold"', 'emails=~".+"'] });
  }
  return {
    global: {
      resolve_timeout: '5m',
      ...(options.smtp
        ? {
            smtp_smarthost: `${options.smtp.host}:${options.smtp.port}`,
            smtp_from: 'trellis@localhost',
            smtp_hello: 'localhost',
            smtp_require_tls: false,
          }
        : {}),
    },
    route: {
      receiver: 'none',
      group_by: ['alertname', 'workspace', 'monitor', 'emails'],
      group_wait: options.groupWait ?? '1s',
      group_interval: options.groupInterval ?? '1s',
      repeat_interval: options.repeatInterval ?? '1h',
      routes,
    },
    receivers,
  };
}

/**
 * Starts the real Alertmanager in its own process on a free port of 127.0.0.1, with the config of
 * {@link alertmanagerConfig} in a fresh temp folder and no cluster (no gossip), and resolves once
 * /-/ready answers. Fails with what it logged if it exits or is not ready within 15 s.
 */
export async function startAlertmanager(options: AlertmanagerOptions): Promise<RunningAlertmanager> {
  const folder = await mkdtemp(join(tmpdir(), 'trellis-alertmanager-'));
  const configFile = join(folder, 'alertmanager.yml');
  await writeFile(configFile, stringify(alertmanagerConfig(options)));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(
    alertmanagerBinary,
    [
      `--config.file=${configFile}`,
      `--storage.path=${join(folder, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--cluster.listen-address=',
      '--log.level=debug',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const kill = () => child.kill('SIGKILL');
  process.once('exit', kill);
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      process.removeListener('exit', kill);
      resolve();
    }),
  );
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
    await rm(folder, { recursive: true, force: true });
  };
  try {
    await waitFor(() => readiness(child, url), {
      what: `Alertmanager at ${url} to be ready`,
      timeoutMs: 15_000,
      intervalMs: 200,
    });
  } catch (error) {
    await stop();
    throw new Error(`Alertmanager (${alertmanagerBinary}) did not come up: ${(error as Error).message}\nIts output:\n${output}`);
  }
  return { url, output: () => output, stop };
}

async function readiness(child: ChildProcess, url: string): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null)
    throw new Error(`it exited (${child.exitCode ?? child.signalCode}) before it was ready`);
  try {
    return (await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(1_000) })).ok;
  } catch {
    // Not listening yet.
    return false;
  }
}
