import { pack } from 'tar-stream';

export const APP_HOME = '/home/app';
export const APP_UID = 1000;

/**
 * A tar holding environment.json (the env as a JSON object), owned by the app
 * user and readable only by it: it carries secrets.
 */
export async function environmentArchive(env: Record<string, string>): Promise<Buffer> {
  const body = Buffer.from(JSON.stringify(env, null, 2) + '\n', 'utf8');
  const tar = pack();
  tar.entry({ name: 'environment.json', mode: 0o600, uid: APP_UID, gid: APP_UID, mtime: new Date() }, body);
  tar.finalize();
  const chunks: Buffer[] = [];
  for await (const chunk of tar) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
