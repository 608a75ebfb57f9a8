import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

/** Debian's SoftHSM2 module (apt-get install softhsm2). */
export const softhsmModule = '/usr/lib/softhsm/libsofthsm2.so';

/** Why SoftHSM2 tests cannot run here, or false when they can. */
export function softhsmMissing(): string | false {
  if (!existsSync(softhsmModule)) return `no PKCS#11 module at ${softhsmModule} (apt-get install softhsm2)`;
  if (!['/usr/bin/softhsm2-util', '/usr/local/bin/softhsm2-util'].some(existsSync))
    return 'softhsm2-util is not installed (apt-get install softhsm2)';
  return false;
}

export interface SoftHsmTokens {
  /** SOFTHSM2_CONF for this token folder. */
  conf: string;
  cleanup(): Promise<void>;
}

/**
 * Initializes tokens (label -> user PIN; SO PIN 5678) in a fresh folder and points this process's
 * SOFTHSM2_CONF at it: SoftHSM reads it when the module is first initialized in the process.
 */
export async function createSoftHsmTokens(tokens: Record<string, string>): Promise<SoftHsmTokens> {
  const folder = await mkdtemp(join(tmpdir(), 'trellis-softhsm-'));
  const conf = join(folder, 'softhsm2.conf');
  await writeFile(conf, `directories.tokendir = ${folder}\nobjectstore.backend = file\nlog.level = ERROR\n`);
  for (const [label, pin] of Object.entries(tokens)) {
    await promisify(execFile)('softhsm2-util', ['--init-token', '--free', '--label', label, '--pin', pin, '--so-pin', '5678'], {
      env: { ...process.env, SOFTHSM2_CONF: conf },
    });
  }
  process.env.SOFTHSM2_CONF = conf;
  return { conf, cleanup: () => rm(folder, { recursive: true, force: true }) };
}
