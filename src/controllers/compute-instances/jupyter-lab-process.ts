import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { LabActivity } from '../../core/compute/compute-instance.js';
import { freePort } from '../jobs/free-port.js';

/** Where one instance's JupyterLab listens and how the proxy gets in. */
export interface LabTarget {
  port: number;
  /** Jupyter's token: only this server's proxy knows it (the user signs in with Trellis's credentials). */
  token: string;
  /** The base_url Jupyter serves under, which the proxy keeps unchanged. */
  basePath: string;
}

export interface LabLaunch {
  /** The instance environment's bin folder (jupyter, python). */
  binDir: string;
  /** Folders put before binDir on PATH: the instance's own tools (the `trellis` CLI shim). */
  toolDirs: string[];
  /** The notebooks' folder: kept across stops, as an instance's disk is on Azure. */
  rootDir: string;
  basePath: string;
  /** MLFLOW_TRACKING_URI, TRELLIS_TOKEN, ...: what kernels and terminals inherit. */
  env: Record<string, string>;
  /** Milliseconds to wait for JupyterLab to answer. */
  readyTimeoutMs: number;
}

/** A running JupyterLab server, started and stopped by the compute instance controller. */
export class JupyterLabProcess {
  private exited = false;
  /** Why it could not be started (a missing or broken `jupyter`), if so. */
  private spawnError: Error | undefined;

  private constructor(
    private readonly child: ChildProcess,
    readonly target: LabTarget,
  ) {
    child.once('exit', () => (this.exited = true));
    // Without a listener a failed spawn is an uncaught 'error' that stops the whole server: here it fails this start only.
    child.once('error', (error) => {
      this.spawnError = error;
      this.exited = true;
    });
  }

  /**
   * Starts `jupyter lab` on 127.0.0.1 with a random token and base_url `basePath`, and waits until
   * it answers. Its output goes to jupyter.log beside the notebooks' folder.
   */
  static async start(launch: LabLaunch): Promise<JupyterLabProcess> {
    await mkdir(launch.rootDir, { recursive: true });
    const port = await freePort();
    const token = randomBytes(24).toString('hex');
    const log = createWriteStream(join(launch.rootDir, '..', 'jupyter.log'), { flags: 'a' });
    const args = [
      'lab',
      '--no-browser',
      '--ip=127.0.0.1',
      `--port=${port}`,
      `--ServerApp.base_url=${launch.basePath}`,
      `--ServerApp.root_dir=${launch.rootDir}`,
      // Requests come through Trellis's proxy with the user's Host header; the proxy is the gate, Jupyter's token its key.
      '--ServerApp.allow_remote_access=True',
      '--ServerApp.port_retries=0',
      // Jupyter refuses to run as root unless told; a server run as root (a container) runs its instances so too.
      ...(process.getuid?.() === 0 ? ['--allow-root'] : []),
    ];
    const child = spawn(join(launch.binDir, 'jupyter'), args, {
      cwd: launch.rootDir,
      // The token in the environment, not on the command line that `ps` shows to every user of the machine.
      env: {
        ...process.env,
        ...launch.env,
        JUPYTER_TOKEN: token,
        PATH: [...launch.toolDirs, launch.binDir, process.env.PATH ?? ''].join(':'),
      },
      // Its own process group: stopping it stops its kernels and terminals too.
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.pipe(log);
    child.stderr?.pipe(log);
    const lab = new JupyterLabProcess(child, { port, token, basePath: launch.basePath });
    try {
      await lab.waitUntilReady(launch.readyTimeoutMs);
    } catch (error) {
      await lab.stop();
      throw error;
    }
    return lab;
  }

  get isAlive(): boolean {
    return !this.exited;
  }

  /** GETs a Jupyter API path (under the base path) with the token; undefined when it does not answer. */
  private async getJson(path: string): Promise<unknown> {
    const response = await fetch(`http://127.0.0.1:${this.target.port}${this.target.basePath}${path}`, {
      headers: { authorization: `token ${this.target.token}` },
      signal: AbortSignal.timeout(5000),
    });
    if (!response.ok) throw new Error(`JupyterLab answered ${response.status} to ${path}`);
    return response.json();
  }

  /** Activity as Jupyter reports it; no_track_activity keeps this poll from counting as activity itself. */
  async activity(): Promise<LabActivity> {
    const status = await this.getJson('api/status');
    const kernels = await this.getJson('api/kernels?no_track_activity=1');
    const lastActivity = typeof status === 'object' && status !== null && 'last_activity' in status ? status.last_activity : undefined;
    return {
      lastActivity: typeof lastActivity === 'string' ? lastActivity : undefined,
      kernels: Array.isArray(kernels)
        ? kernels.filter((kernel): kernel is LabActivity['kernels'][number] => typeof kernel === 'object')
        : [],
    };
  }

  private async waitUntilReady(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.spawnError) throw new Error(`JupyterLab could not be started: ${this.spawnError.message}`);
      if (this.exited) throw new Error('JupyterLab exited while starting; see jupyter.log in the instance folder');
      try {
        await this.getJson('api/status');
        return;
      } catch (error) {
        if (Date.now() > deadline) throw new Error(`JupyterLab did not answer within ${timeoutMs} ms: ${(error as Error).message}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }

  /** SIGTERM to its process group (kernels included), SIGKILL after 5 s; resolves when it exited. */
  async stop(): Promise<void> {
    if (this.exited || this.child.pid === undefined) return;
    const pid = this.child.pid;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    signalGroup(pid, 'SIGTERM');
    const timer = setTimeout(() => signalGroup(pid, 'SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  }
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // The group is gone already: nothing left to stop.
  }
}
