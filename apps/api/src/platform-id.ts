import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

const ID_RE = /^[a-z0-9]{6,12}$/;

/**
 * The platform's own id, generated once and kept in PAAS_HOME/platform-id.
 * It is in the labels and names of every container, image, network and
 * volume the platform creates, so two platforms on one engine never see or
 * remove each other's objects (reliability 36).
 */
export async function loadPlatformId(home: string): Promise<string> {
  const file = join(home, 'platform-id');
  const existing = (await readFile(file, 'utf8').catch(() => '')).trim();
  if (ID_RE.test(existing)) return existing;
  const id = randomBytes(4).toString('hex').slice(0, 6);
  try {
    // wx: two processes starting at once agree on the first one's id.
    await writeFile(file, `${id}\n`, { mode: 0o600, flag: 'wx' });
    return id;
  } catch {
    const again = (await readFile(file, 'utf8')).trim();
    if (!ID_RE.test(again)) throw new Error(`${file} does not hold a platform id; remove it to make a new one`);
    return again;
  }
}
