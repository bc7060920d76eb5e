import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeVersion } from './harness/app-dir.js';
import { deployVersioned } from './harness/deployed.js';
import { getVia, startLoad } from './harness/http.js';
import { startPlatform, type Platform } from './harness/platform.js';

/**
 * The iterative rollout of the Kubernetes deployment suite, on paas: random
 * steps of push / scale / env set / rollback / restart, one after another
 * under steady load. No request may fail on the way, and after the last
 * step what runs is what the steps asked for: the content and env of the
 * active release, at the asked scale, every instance of that release.
 */

const STEPS = 20;
const APP = 'steps';
const HOST = `${APP}.localhost`;

let p: Platform;
let dir: string;

beforeAll(async () => {
  p = await startPlatform();
  dir = await deployVersioned(p, APP, 'start');
});
afterAll(async () => {
  await p?.stop();
});

/** mulberry32: small, seeded, so a failing sequence can be replayed with PAAS_TEST_SEED. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Kind = 'push' | 'scale' | 'env' | 'restart' | 'rollback';
interface Release { id: string; status: string }
interface Ps { name: string; release: string; state: string }

/** What a release serves: the page and the STEP variable. */
interface Served { content: string; step: string }

describe('iterative rollout', () => {
  it(`${STEPS} random steps of push / scale / env set / rollback / restart under load: 0 failed requests, and the end state is what was asked`, async () => {
    const seed = Number(process.env.PAAS_TEST_SEED ?? Math.floor(Math.random() * 2 ** 31));
    const random = rng(seed);
    const pick = <T,>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
    const log: string[] = [`seed ${seed}`];

    const releases = async (): Promise<Release[]> => {
      const r = await p.paas(['releases', '--json'], { cwd: dir });
      expect(r.code, r.stderr).toBe(0);
      return JSON.parse(r.stdout) as Release[];
    };
    const active = async (): Promise<string> => (await releases()).find((r) => r.status === 'active')?.id ?? '';

    // The model: what each release serves, the app's env and the scale.
    const served = new Map<string, Served>();
    let current: Served = { content: 'version start', step: 'unset' };
    served.set(await active(), current);
    let scale = 1;
    let pushes = 0;

    const load = startLoad(p.routerPort, HOST, { concurrency: 4, intervalMs: 20, maxMs: 600_000, maxRequests: 100_000 });
    try {
      for (let step = 1; step <= STEPS; step++) {
        // The newest few releases: their images are kept (PAAS_KEEP_RELEASES, 10 by default).
        const rollbackTargets = [...served.keys()].sort((a, b) => Number(b.slice(1)) - Number(a.slice(1))).slice(0, 5);
        const kinds: Kind[] = ['push', 'scale', 'env', 'restart', ...(rollbackTargets.length > 1 ? (['rollback'] as const) : [])];
        const kind = pick(kinds);
        let args: string[];
        let next: Served = current;
        switch (kind) {
          case 'push': {
            const version = `p${++pushes}-s${step}`;
            await writeVersion(dir, version);
            args = ['push'];
            next = { ...current, content: `version ${version}` };
            break;
          }
          case 'scale':
            scale = 1 + Math.floor(random() * 3);
            args = ['scale', `www=${scale}`];
            break;
          case 'env': {
            const value = `s${step}-${Math.floor(random() * 1e6)}`;
            args = ['env', 'set', `STEP=${value}`];
            next = { ...current, step: value };
            break;
          }
          case 'restart':
            args = ['restart', 'www'];
            break;
          case 'rollback': {
            const activeId = await active();
            const target = pick(rollbackTargets.filter((id) => id !== activeId));
            args = ['rollback', target];
            next = served.get(target) as Served;
            break;
          }
        }
        log.push(`step ${step}: paas ${args.join(' ')}`);
        const r = await p.paas(args, { cwd: dir });
        expect(r.code, `${log.join('\n')}\n${r.stdout}${r.stderr}`).toBe(0);
        if (kind === 'push' || kind === 'env' || kind === 'rollback') {
          // Every one of these makes a release (the push changed the code, env set a value): record what it serves.
          const id = await active();
          expect(served.has(id), `${log.join('\n')}\nno new release after ${kind}`).toBe(false);
          served.set(id, next);
        }
        current = next;
      }
      await new Promise((r) => setTimeout(r, 500));
    } finally {
      await load.stop();
    }

    expect(load.report.failures, log.join('\n')).toEqual([]);
    expect(load.report.ok).toBeGreaterThan(100);

    // The end state: the active release's page and env, at the asked scale, nothing else running.
    expect((await getVia(p.routerPort, HOST)).body.trim(), log.join('\n')).toBe(current.content);
    const env = await getVia(p.routerPort, HOST, '/env/STEP');
    expect(env.status === 404 ? 'unset' : env.body, log.join('\n')).toBe(current.step);
    const activeId = await active();
    let instances: Ps[] = [];
    for (let tries = 0; tries < 300; tries++) {
      const r = await p.paas(['ps', '--json'], { cwd: dir });
      instances = JSON.parse(r.stdout) as Ps[];
      if (!instances.some((i) => i.state === 'draining')) break;
      await new Promise((res) => setTimeout(res, 100));
    }
    expect(
      instances.map((i) => `${i.name} ${i.release} ${i.state}`).sort(),
      log.join('\n'),
    ).toEqual(Array.from({ length: scale }, (_, i) => `www.${i + 1} ${activeId} healthy`));
    // The router's table names exactly the running instances.
    const table = JSON.parse(await readFile(join(p.home, 'router', 'routes.json'), 'utf8')) as { routes: Record<string, { targets: { host: string; port: number }[] }> };
    const routed = (table.routes[HOST]?.targets ?? []).map((t) => `${t.host}:${t.port}`).sort();
    const psNow = JSON.parse((await p.paas(['ps', '--json'], { cwd: dir })).stdout) as { address: string }[];
    expect(routed, log.join('\n')).toEqual(psNow.map((i) => i.address).sort());
    // Every instance serves, with the same content: within a few seconds (an
    // instance the router took out after failed connects under load comes
    // back after its cool-down of 2 s). One request per round: the router
    // takes turns, so a second request per round would always land on the
    // other instance at scale 2.
    const seen = new Set<string>();
    const deadline = Date.now() + 10_000;
    while (seen.size < scale && Date.now() < deadline) {
      const [name = '', , ...served] = (await getVia(p.routerPort, HOST, '/whoami')).body.trim().split(' ');
      expect(served.join(' '), `${name} serves`).toBe(current.content);
      seen.add(name);
    }
    if (seen.size !== scale) {
      const routerLog = (await readFile(join(p.home, 'logs', 'router.log'), 'utf8').catch((e: Error) => e.message)).split('\n').slice(-40).join('\n');
      log.push(`answered: ${[...seen].join(', ')}`, `router table: ${JSON.stringify(table)}`, `router log:\n${routerLog}`);
    }
    expect(seen.size, log.join('\n')).toBe(scale);
  });
});
