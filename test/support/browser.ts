import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { skipUnless } from './capabilities.js';
import { repositoryRoot } from './trellis-process.js';

/**
 * Debian's chromium, driven by playwright-core (never a downloaded browser). CI installs it
 * (.ci/run, which then requires it: TRELLIS_REQUIRE=chromium); on a machine without it the browser
 * tests are skipped with this reason.
 */
export const chromiumPath = process.env.TRELLIS_CHROMIUM ?? '/usr/bin/chromium';
export const browserUnavailable = skipUnless(
  'chromium',
  !existsSync(chromiumPath) && `no chromium at ${chromiumPath} (apt-get install chromium, or set TRELLIS_CHROMIUM)`,
);

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: ['--no-sandbox', '--disable-background-networking', '--disable-dev-shm-usage'],
  });
}

/** Where the browser tests save their screenshots (test-output/studio/, not committed). */
export async function screenshotFolder(): Promise<string> {
  const folder = join(repositoryRoot, 'test-output', 'studio');
  await mkdir(folder, { recursive: true });
  return folder;
}

/** A browser and one page the size the screenshots are taken at. */
export async function openBrowserPage(): Promise<{ browser: Browser; page: Page }> {
  const browser = await launchBrowser();
  return { browser, page: await browser.newPage({ viewport: { width: 1400, height: 900 } }) };
}
