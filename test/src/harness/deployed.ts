import { copyApp, writeVersion } from './app-dir.js';
import type { Platform } from './platform.js';

/**
 * A private copy of test/fixtures/versioned answering `version VERSION`,
 * created as APP and pushed once: where most end-to-end files start. Returns
 * the copy's directory, linked to the app.
 */
export async function deployVersioned(p: Platform, app: string, version: string): Promise<string> {
  const dir = await copyApp('test/fixtures/versioned');
  await writeVersion(dir, version);
  const created = await p.paas(['create', app], { cwd: dir });
  if (created.code !== 0) throw new Error(`paas create ${app} exited ${created.code}:\n${created.stdout}${created.stderr}`);
  const pushed = await p.paas(['push'], { cwd: dir });
  if (pushed.code !== 0) throw new Error(`the first push of ${app} exited ${pushed.code}:\n${pushed.stdout}${pushed.stderr}`);
  return dir;
}
