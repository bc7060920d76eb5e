import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { repoRoot } from './paths.js';

/** Debian's chromium: the browser tests never download one. */
export const CHROMIUM = '/usr/bin/chromium';
/** Where the browser tests save their screenshots (the README shows one of them). */
export const SCREENSHOTS = join(repoRoot, '.test-results', 'screenshots');

/**
 * Headless Chromium for the dashboard's tests. The flags keep it off the
 * network it has no business with (updates, sync, Google's hosts), so that a
 * machine with no internet answers nothing slowly; as root it needs
 * --no-sandbox. The caller closes it in afterAll.
 */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install chromium (.ci/run installs it)`);
  await mkdir(SCREENSHOTS, { recursive: true });
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
  });
}
