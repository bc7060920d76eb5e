/// <reference lib="dom" />
/**
 * Dashboard benchmark: the bundle's size, the app page's first render from a
 * cold load, and the delay from a change in the engine to the page showing it.
 *
 *   npx tsx bench/dashboard.ts [rounds=5]
 *
 * - Bundle: every file of apps/dashboard/dist/assets gzipped (level 9, as
 *   the build's .gz copies are), and the part the first page load fetches.
 * - First render: a fresh browser context each round (no cache, no
 *   connection), signed in, opening /apps/NAME until both instances show as
 *   healthy. Reference in the same run: the same data straight from the API
 *   (GET /v1/apps/NAME with the token: the app and its instances), so the
 *   ratio is what the page adds.
 * - Engine → page: an instance's container is killed with SIGKILL; the delay
 *   runs from the engine's own `die` event (its timestamp) to the page's row
 *   changing (restarts or state), seen by a requestAnimationFrame loop in the
 *   page. Reference: the same change arriving on the server-sent events
 *   stream read by this process.
 *
 * Everything runs on loopback against a platform this script starts and
 * removes (Debian's chromium, headless).
 */
import { spawn } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import Docker from 'dockerode';
import { deployVersioned } from '../test/src/harness/deployed.js';
import { launchChromium } from '../test/src/harness/browser.js';
import { repoRoot } from '../test/src/harness/paths.js';
import { startPlatform, type Platform } from '../test/src/harness/platform.js';

const rounds = Number(process.argv[2] ?? 5);
const APP = 'bdash';
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
const ms = (x: number): string => `${x.toFixed(0)} ms`;
const kb = (x: number): string => `${(x / 1024).toFixed(1)} KB`;

async function bundle(): Promise<void> {
  const dist = join(repoRoot, 'apps/dashboard/dist');
  const index = await readFile(join(dist, 'index.html'), 'utf8');
  const first = new Set([...index.matchAll(/(?:src|href)="\/assets\/([^"]+)"/g)].map((m) => m[1]));
  let js = 0, css = 0, initial = 0;
  for (const f of await readdir(join(dist, 'assets'))) {
    if (!/\.(js|css)$/.test(f)) continue;
    const gz = gzipSync(await readFile(join(dist, 'assets', f)), { level: 9 }).length;
    if (f.endsWith('.js')) js += gz; else css += gz;
    if (first.has(f)) initial += gz;
    console.log(`  ${f}: ${kb(gz)} gzipped${first.has(f) ? ' (first load)' : ''}`);
  }
  console.log(`bundle: JavaScript ${kb(js)} gzipped (budget 200 KB), CSS ${kb(css)}; the first load fetches ${kb(initial)}`);
}

/** Reads the ps event stream until `until` says yes; resolves with the time it did. */
async function sseUntil(p: Platform, token: string, until: (list: { name: string; state: string; restarts: number }[]) => boolean, signal: AbortSignal): Promise<number> {
  const res = await fetch(`http://127.0.0.1:${p.apiPort}/v1/apps/${APP}/ps`, { headers: { accept: 'text/event-stream', authorization: `Bearer ${token}` }, signal });
  const reader = res.body!.getReader();
  let text = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) throw new Error('the stream ended');
    text += Buffer.from(value).toString();
    let end;
    while ((end = text.indexOf('\n\n')) >= 0) {
      const event = text.slice(0, end);
      text = text.slice(end + 2);
      const data = /^data: (.*)$/m.exec(event)?.[1];
      if (data && until(JSON.parse(data))) {
        const at = Date.now();
        void reader.cancel();
        return at;
      }
    }
  }
}

/** The engine's `die` event of a container, as epoch milliseconds. */
function dieEvent(id: string): { at: Promise<number>; stop: () => void } {
  const child = spawn('docker', ['events', '--filter', `container=${id}`, '--filter', 'event=die', '--format', '{{.TimeNano}}']);
  const at = new Promise<number>((resolve) => child.stdout.once('data', (d: Buffer) => resolve(Number(BigInt(d.toString().trim()) / 1_000_000n))));
  return { at, stop: () => child.kill() };
}

async function main(): Promise<void> {
  await bundle();
  const p = await startPlatform();
  const browser = await launchChromium();
  try {
    const dir = await deployVersioned(p, APP, 'one');
    const scaled = await p.paas(['scale', 'www=2'], { cwd: dir });
    if (scaled.code !== 0) throw new Error(scaled.stderr);
    const token = await p.adminToken();
    const base = `http://127.0.0.1:${p.apiPort}`;

    const page: number[] = [];
    const inPage: number[] = [];
    const domReady: number[] = [];
    const direct: number[] = [];
    for (let i = 0; i < rounds; i++) {
      const t0 = performance.now();
      const r = await fetch(`${base}/v1/apps/${APP}`, { headers: { authorization: `Bearer ${token}` } });
      await r.json();
      direct.push(performance.now() - t0);
      const context = await browser.newContext();
      await context.request.post(`${base}/v1/session`, { data: { token } });
      const tab = await context.newPage();
      const t1 = performance.now();
      await tab.goto(`${base}/apps/${APP}`);
      const shown = await tab.waitForFunction(() => document.querySelectorAll('[data-testid=instance][data-state=healthy]').length === 2 && performance.now(), undefined, { polling: 'raf', timeout: 30_000 });
      page.push(performance.now() - t1);
      // The page's own clock starts at the navigation: what the page takes, without the browser's tab start-up.
      inPage.push(Number(await shown.jsonValue()));
      const nav = (await tab.evaluate('JSON.stringify(performance.getEntriesByType("navigation")[0])')) as string;
      domReady.push((JSON.parse(nav) as { domContentLoadedEventEnd: number }).domContentLoadedEventEnd);
      await context.close();
    }
    console.log(`first render of the app page, cold (median of ${rounds}): ${ms(median(page))}; the API's answer alone (GET /v1/apps/${APP}) ${ms(median(direct))}; page/API ${(median(page) / median(direct)).toFixed(1)}x`);
    console.log(`  by the page's own clock (from navigation start): scripts run at ${ms(median(domReady))}, instances shown at ${ms(median(inPage))}`);

    const context = await browser.newContext();
    await context.request.post(`${base}/v1/session`, { data: { token } });
    const tab = await context.newPage();
    await tab.goto(`${base}/apps/${APP}`);
    await tab.waitForFunction(() => document.querySelectorAll('[data-testid=instance][data-state=healthy]').length === 2, undefined, { timeout: 30_000 });
    const docker = new Docker();
    const toPage: number[] = [];
    const toStream: number[] = [];
    for (let i = 0; i < rounds; i++) {
      const [c] = await docker.listContainers({ filters: { label: [`paas.test=${p.runId}`, `paas.app=${APP}`, 'paas.instance=www.1'] } });
      if (!c) throw new Error('no container of www.1');
      const before = await tab.getAttribute('[data-testid=instance][data-name="www.1"]', 'data-restarts');
      // The page notes the moment the row changes, frame by frame.
      // (A string, not a function: tsx would name the inner function with a helper the page lacks.)
      const seen = tab.evaluate<number>(`new Promise((resolve) => {
        const was = ${JSON.stringify(before)};
        const look = () => {
          const row = document.querySelector('[data-testid=instance][data-name="www.1"]');
          if (row && (row.getAttribute('data-restarts') !== was || row.getAttribute('data-state') !== 'healthy')) resolve(performance.timeOrigin + performance.now());
          else requestAnimationFrame(look);
        };
        look();
      })`);
      const abort = new AbortController();
      const streamed = sseUntil(p, token, (l) => l.some((x) => x.name === 'www.1' && (String(x.restarts) !== before || x.state !== 'healthy')), abort.signal);
      // Awaited below; a failure meanwhile must not end the process before the platform is removed.
      seen.catch(() => undefined);
      streamed.catch(() => undefined);
      await new Promise((r) => setTimeout(r, 300));
      const die = dieEvent(c.Id);
      await new Promise((r) => setTimeout(r, 200));
      await docker.getContainer(c.Id).kill({ signal: 'SIGKILL' });
      const [dieAt, pageAt, streamAt] = await Promise.all([die.at, seen, streamed]);
      die.stop();
      abort.abort();
      toPage.push(pageAt - dieAt);
      toStream.push(streamAt - dieAt);
      console.log(`  round ${i + 1}: engine → stream ${ms(streamAt - dieAt)}, engine → page ${ms(pageAt - dieAt)}`);
      // Let it become healthy again before the next round.
      await tab.waitForFunction(() => document.querySelector('[data-testid=instance][data-name="www.1"]')?.getAttribute('data-state') === 'healthy', undefined, { timeout: 60_000 });
    }
    console.log(`engine → dashboard (median of ${rounds}): ${ms(median(toPage))}, max ${ms(Math.max(...toPage))} (target <= 1000 ms); engine → event stream ${ms(median(toStream))}`);
    await context.close();
  } finally {
    // The platform goes even when the browser will not close.
    await browser.close().catch((err: unknown) => console.error(`closing the browser: ${String(err)}`));
    await p.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
