/**
 * Deploy benchmark: push-to-live time of a code-only change, where the time
 * goes, and failed requests across N pushes while steady traffic goes
 * through the router.
 *
 *   npx tsx bench/deploy.ts [pushes=20]
 *
 * Reference in the same run: the engine's own time to rebuild the same
 * code-only change (`docker build` with a warm cache, as seen between the
 * push's build and deploy events), so the platform's overhead on top of the
 * build shows as a ratio. The phases come from `paas push --json`'s events,
 * timed as the CLI receives them. Everything runs on 127.0.0.1 and is
 * removed at the end.
 */
import { copyApp, writeVersion } from '../test/src/harness/app-dir.js';
import { startLoad } from '../test/src/harness/http.js';
import { startPlatform, type Platform } from '../test/src/harness/platform.js';
import { p50, pushWithEvents, untilServed } from './lib/push-events.js';

const pushes = Number(process.argv[2] ?? 20);

/** Milliseconds from the command's start to each mark. */
interface PushTiming {
  accepted: number;   // upload done, spec read
  built: number;      // first deploy event: the build is over
  started: number;    // the new instance's process started
  healthy: number;    // its health check passed
  switched: number;   // the router has the new targets
  done: number;       // the `done` event
  exit: number;       // the command returned
  live: number;       // the router serves the new version (polled every 20 ms)
  buildFrom: number;  // first build event
}

async function timedPush(p: Platform, dir: string, version: string): Promise<PushTiming> {
  const t0 = performance.now();
  const marks: Partial<PushTiming> = {};
  const mark = (k: keyof PushTiming): void => {
    marks[k] ??= performance.now() - t0;
  };
  const exited = pushWithEvents(p, dir, (e) => {
    if (e.type === 'push.accepted') mark('accepted');
    else if (e.type === 'build.step' || (e.type === 'log' && marks.buildFrom === undefined && marks.accepted !== undefined)) mark('buildFrom');
    else if (e.type === 'deploy.step') mark('built');
    else if (e.type === 'deploy.instance' && e.state === 'running') mark('started');
    else if (e.type === 'deploy.instance' && e.state === 'healthy') mark('healthy');
    else if (e.type === 'deploy.switch') mark('switched');
    else if (e.type === 'done') mark('done');
  });
  const poll = untilServed(p, 'bench.localhost', '/', `version ${version}\n`, () => mark('live'));
  await exited;
  mark('exit');
  await poll;
  return marks as PushTiming;
}


const s = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;

async function main(): Promise<void> {
  const p = await startPlatform({ PAAS_STOP_GRACE_MS: '3000' });
  try {
    const dir = await copyApp('test/fixtures/versioned');
    await writeVersion(dir, 'b-0');
    const created = await p.paas(['create', 'bench'], { cwd: dir });
    if (created.code !== 0) throw new Error(created.stderr);
    await timedPush(p, dir, 'b-0');

    // ~100 req/s through the router for the whole run, bounded in time and count.
    const load = startLoad(p.routerPort, 'bench.localhost', { concurrency: 4, intervalMs: 40, maxMs: 20 * 60_000, maxRequests: 200_000 });
    const timings: PushTiming[] = [];
    try {
      for (let i = 1; i <= pushes; i++) {
        await writeVersion(dir, `b-${i}`);
        // Pushes in a row: the previous one's old instance is still being retired in the background, as in real use.
        const t = await timedPush(p, dir, `b-${i}`);
        timings.push(t);
        console.log(`push ${String(i).padStart(2)}: live after ${s(t.live)} (build ${s(t.built - t.buildFrom)}, command ${s(t.exit)})`);
      }
    } finally {
      const report = await load.stop();
      const m = (k: keyof PushTiming): number => p50(timings.map((t) => t[k]));
      const phase = (name: string, from: number, to: number): void => console.log(`  ${name.padEnd(44)} ${s(to - from)}`);
      console.log('\n== deploy benchmark ==');
      console.log(`code-only change, push → live: p50 ${s(m('live'))}, max ${s(Math.max(...timings.map((t) => t.live)))} (target ≤ 1.0 s)`);
      console.log(`reference, the engine's cached rebuild inside each push: p50 ${s(p50(timings.map((t) => t.built - t.buildFrom)))}`);
      console.log(`ratio push-to-live / rebuild: ${(m('live') / Math.max(p50(timings.map((t) => t.built - t.buildFrom)), 1)).toFixed(1)}×`);
      console.log('where the time goes (p50 of each mark, from the command\'s start):');
      phase('CLI start, pack, upload, spec check', 0, m('accepted'));
      phase('build (cached; includes build-context send)', m('accepted'), m('built'));
      phase('container create + start', m('built'), m('started'));
      phase('first healthy probe', m('started'), m('healthy'));
      phase('route switch + activate', m('healthy'), m('switched'));
      phase('router serving the new version (poll)', m('switched'), m('live'));
      phase('done → command exit', m('done'), m('exit'));
      console.log(`traffic during ${timings.length} pushes: ${report.sent} requests, ${report.failures.length} failed (target 0)`);
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
