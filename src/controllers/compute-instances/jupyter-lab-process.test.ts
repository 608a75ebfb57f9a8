import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { JupyterLabProcess } from './jupyter-lab-process.js';

describe('JupyterLabProcess', () => {
  it('fails the start, not the server, when jupyter cannot be spawned', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'trellis-lab-'));
    try {
      await assert.rejects(
        JupyterLabProcess.start({
          binDir: join(folder, 'no-environment', 'bin'),
          toolDirs: [],
          rootDir: join(folder, 'files'),
          basePath: '/compute-instances/dev/ci/lab/',
          env: {},
          readyTimeoutMs: 5000,
        }),
        /JupyterLab could not be started: spawn .*jupyter ENOENT/,
      );
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });
});
