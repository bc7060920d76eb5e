import { readFile, readdir, readlink } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getVia } from './harness/http.js';
import { startPlatform, type Platform } from './harness/platform.js';

// `paas server start` is the laptop path: its router serves this machine only
// unless PAAS_ROUTER_HOST says otherwise (the server path sets 0.0.0.0). What
// the real router process listens on is read from the kernel's socket tables,
// so no traffic leaves loopback.
let p: Platform;
beforeAll(async () => {
  p = await startPlatform();
});
afterAll(async () => {
  await p?.stop();
});

/** An address of /proc/net/tcp{,6} ("0100007F:1F90") as ip and port. */
function decode(field: string): { ip: string; port: number } {
  const [hex = '', portHex = ''] = field.split(':');
  const words = (hex.match(/.{8}/g) ?? []).map((w) => (w.match(/../g) ?? []).reverse().join(''));
  const bytes = words.join('').match(/../g)!.map((b) => parseInt(b, 16));
  let ip: string;
  if (bytes.length === 4) ip = bytes.join('.');
  else if (bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff) ip = `::ffff:${bytes.slice(12).join('.')}`;
  else if (bytes.every((b, i) => b === (i === 15 ? 1 : 0))) ip = '::1';
  else if (bytes.every((b) => b === 0)) ip = '::';
  else ip = words.join('');
  return { ip, port: parseInt(portHex, 16) };
}

/** Every TCP socket the process listens on, as "ip:port", sorted. */
async function listening(pid: number): Promise<string[]> {
  const inodes = new Set<string>();
  for (const fd of await readdir(`/proc/${pid}/fd`)) {
    const target = await readlink(`/proc/${pid}/fd/${fd}`).catch(() => '');
    const m = /^socket:\[(\d+)\]$/.exec(target);
    if (m) inodes.add(m[1]!);
  }
  const out: string[] = [];
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of (await readFile(table, 'utf8')).split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols.length < 10 || cols[3] !== '0A' || !inodes.has(cols[9]!)) continue; // 0A: LISTEN
      const { ip, port } = decode(cols[1]!);
      out.push(`${ip}:${port}`);
    }
  }
  return out.sort();
}

async function routerPid(): Promise<number> {
  const status = await p.paas(['server', 'status', '--json']);
  expect(status.code, status.stderr).toBe(0);
  const json = JSON.parse(status.stdout) as { router: { pid: number | null; host: string; up: boolean } };
  expect(json.router.up).toBe(true);
  return json.router.pid!;
}

describe('paas server start', () => {
  it('has the router listen on 127.0.0.1 alone unless PAAS_ROUTER_HOST says otherwise', async () => {
    const pid = await routerPid();
    const sockets = await listening(pid);
    expect(sockets).toContain(`127.0.0.1:${p.routerPort}`);
    expect(sockets).toContain(`127.0.0.1:${p.controlPort}`);
    // Every listener of the process, the public one(s) included, is on loopback.
    expect(sockets.filter((s) => !s.startsWith('127.0.0.1:'))).toEqual([]);
    expect((await getVia(p.routerPort, 'nothing-here.localhost')).status).toBe(404);
  });

  it('binds all interfaces when asked, as the server path does, and says where in status', async () => {
    expect((await p.paas(['server', 'stop'])).code).toBe(0);
    const started = await p.paas(['server', 'start'], { env: { PAAS_ROUTER_HOST: '0.0.0.0' } });
    expect(started.code, started.stderr).toBe(0);
    expect(started.stdout).toContain(`on 0.0.0.0:${p.routerPort}, log `);
    const status = JSON.parse((await p.paas(['server', 'status', '--json'], { env: { PAAS_ROUTER_HOST: '0.0.0.0' } })).stdout) as { router: { pid: number; host: string; up: boolean } };
    expect(status.router).toMatchObject({ host: '0.0.0.0', up: true });
    const sockets = await listening(status.router.pid);
    expect(sockets).toContain(`0.0.0.0:${p.routerPort}`);
    expect(sockets).toContain(`127.0.0.1:${p.controlPort}`); // the control port stays on loopback
    expect((await getVia(p.routerPort, 'nothing-here.localhost')).status).toBe(404);
  });
});
