/**
 * Env benchmark: `paas env set` to the new value served by the router, one
 * instance, against a code-change push of the same app in the same run
 * (the reference: the slowest way to change what an app runs).
 *
 *   npx tsx bench/env.ts [rounds=5]
 *
 * Each round sets a new value (and then pushes a new VERSION); the time runs
 * from the command's start until the router answers with the new value,
 * polled every 20 ms. Phases come from the command's --json events. Steady
 * traffic goes through the router meanwhile; failed requests are counted.
 * Everything runs on 127.0.0.1 and is removed at the end.
 */
import type { PushEvent } from '@paas/core';
import { copyApp, writeVersion } from '../test/src/harness/app-dir.js';
import { startLoad } from '../test/src/harness/http.js';
import { startPlatform, type Platform } from '../test/src/harness/platform.js';
import { p50, paasWithEvents, untilServed } from './lib/push-events.js';

const rounds = Number(process.argv[2] ?? 5);
const HOST = 'envbench.localhost';

interface Timing {
  first: number;     // the first event: the CLI started, the API took the lock
  creating: number;  // the new instance is being created
  started: number;   // the new instance's process started
  healthy: number;   // its health check passed
  switched: number;  // the router has the new targets
  exit: number;      // the command returned
  live: number;      // the router serves the new value
}

async function timed(p: Platform, dir: string, args: string[], path: string, expected: string): Promise<Timing> {
  const t0 = performance.now();
  const marks: Partial<Timing> = {};
  const mark = (k: keyof Timing): void => {
    marks[k] ??= performance.now() - t0;
  };
  const exited = paasWithEvents(p, dir, args, (e: PushEvent) => {
    mark('first');
    if (e.type === 'deploy.instance' && e.state === 'starting') mark('creating');
    if (e.type === 'deploy.instance' && e.state === 'running') mark('started');
    else if (e.type === 'deploy.instance' && e.state === 'healthy') mark('healthy');
    else if (e.type === 'deploy.switch') mark('switched');
  });
  const poll = untilServed(p, HOST, path, expected, () => mark('live'));
  await exited;
  mark('exit');
  await poll;
  return marks as Timing;
}

const s = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;

async function main(): Promise<void> {
  const p = await startPlatform({ PAAS_STOP_GRACE_MS: '3000' });
  try {
    const dir = await copyApp('test/fixtures/versioned');
    await writeVersion(dir, 'e-0');
    const created = await p.paas(['create', 'envbench'], { cwd: dir });
    if (created.code !== 0) throw new Error(created.stderr);
    const first = await p.paas(['push'], { cwd: dir });
    if (first.code !== 0) throw new Error(first.stderr);

    const load = startLoad(p.routerPort, HOST, { concurrency: 4, intervalMs: 40, maxMs: 20 * 60_000, maxRequests: 200_000 });
    const env: Timing[] = [];
    const push: Timing[] = [];
    try {
      for (let i = 1; i <= rounds; i++) {
        const value = `round-${i}-${Date.now()}`;
        const e = await timed(p, dir, ['env', 'set', '--json', `BENCH=${value}`], '/env/BENCH', value);
        env.push(e);
        await writeVersion(dir, `e-${i}`);
        const c = await timed(p, dir, ['push', '--json'], '/', `version e-${i}\n`);
        push.push(c);
        console.log(`round ${i}: env set → served ${s(e.live)} (command ${s(e.exit)}); code push → served ${s(c.live)}`);
      }
    } finally {
      const report = await load.stop();
      const m = (list: Timing[], k: keyof Timing): number => p50(list.map((t) => t[k]));
      console.log('\n== env benchmark ==');
      console.log(`paas env set → new value served, one instance: p50 ${s(m(env, 'live'))}, max ${s(Math.max(...env.map((t) => t.live)))} (target ≤ 3.0 s)`);
      console.log(`reference, code-change push → new version served: p50 ${s(m(push, 'live'))}`);
      console.log(`ratio env set / push: ${(m(env, 'live') / Math.max(m(push, 'live'), 1)).toFixed(2)}×`);
      console.log('where the env set time goes (p50 of each mark, from the command\'s start):');
      const phase = (name: string, from: number, to: number): void => console.log(`  ${name.padEnd(44)} ${s(to - from)}`);
      phase('CLI start, request, lock, first event', 0, m(env, 'first'));
      phase('release record, scale, network', m(env, 'first'), m(env, 'creating'));
      phase('container create + start', m(env, 'creating'), m(env, 'started'));
      phase('first healthy probe', m(env, 'started'), m(env, 'healthy'));
      phase('route switch + activate', m(env, 'healthy'), m(env, 'switched'));
      phase('router serving the new value (poll)', m(env, 'switched'), m(env, 'live'));
      console.log(`traffic during ${rounds} rounds: ${report.sent} requests, ${report.failures.length} failed (target 0)`);
      if (report.failures.length) console.log('failures:', JSON.stringify(report.failures.slice(0, 10)));
    }
  } finally {
    await p.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
