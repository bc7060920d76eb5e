/**
 * Scale benchmark: `paas scale www=10` from 1 until all 10 instances are
 * healthy and routed (the command returns only then), against the engine
 * starting the same 10 containers of the same image directly (create,
 * start, poll each until it answers) in the same run.
 *
 *   npx tsx bench/scale.ts [rounds=3]
 *
 * Everything runs on 127.0.0.1 and is removed at the end.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { deployVersioned } from '../test/src/harness/deployed.js';
import { getVia } from '../test/src/harness/http.js';
import { startPlatform } from '../test/src/harness/platform.js';

const run = promisify(execFile);
const rounds = Number(process.argv[2] ?? 3);
const N = 10;

function p50(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}
const s = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;

async function answers(port: number): Promise<boolean> {
  const r = await getVia(port, 'x', '/health').catch(() => undefined);
  return r !== undefined && r.status < 500;
}

async function main(): Promise<void> {
  const p = await startPlatform();
  try {
    const dir = await deployVersioned(p, 'scale', 'one');
    const { stdout } = await run('docker', ['ps', '-q', '--no-trunc', '--filter', `label=paas.test=${p.runId}`, '--filter', 'label=paas.app=scale']);
    const instance = stdout.split('\n').filter(Boolean)[0] as string;
    const image = (await run('docker', ['inspect', '-f', '{{.Image}}', instance])).stdout.trim();

    const paasTimes: number[] = [];
    const directTimes: number[] = [];
    for (let round = 1; round <= rounds; round++) {
      let t0 = performance.now();
      const up = await p.paas(['scale', `www=${N}`], { cwd: dir });
      if (up.code !== 0) throw new Error(`scale failed: ${up.stdout}${up.stderr}`);
      paasTimes.push(performance.now() - t0);
      const seen = new Set<string>();
      for (let i = 0; i < 60; i++) seen.add((await getVia(p.routerPort, 'scale.localhost', '/whoami')).body.split(' ')[0] ?? '');
      const down = await p.paas(['scale', 'www=1'], { cwd: dir });
      if (down.code !== 0) throw new Error(`scale down failed: ${down.stderr}`);

      // Reference: the engine alone, the same image and count, published on loopback.
      t0 = performance.now();
      const ids = await Promise.all(
        Array.from({ length: N }, async () =>
          (await run('docker', ['run', '-d', '--label', `paas.test=${p.runId}`, '-e', 'PORT=8080', '-p', '127.0.0.1::8080', image, 'sh', '-c', 'cd /home/app/current && exec python3 server.py'])).stdout.trim(),
        ),
      );
      await Promise.all(
        ids.map(async (id) => {
          const port = Number((await run('docker', ['port', id, '8080/tcp'])).stdout.trim().split(':').pop());
          while (!(await answers(port))) await new Promise((r) => setTimeout(r, 20));
        }),
      );
      directTimes.push(performance.now() - t0);
      await run('docker', ['rm', '-f', ...ids]);
      console.log(`round ${round}: paas scale www=${N} ${s(paasTimes.at(-1)!)} (routed: ${seen.size} instances answered), engine alone ${s(directTimes.at(-1)!)}`);
    }
    console.log('\n== scale benchmark ==');
    console.log(`paas scale www=1 → www=${N}, healthy and routed: p50 ${s(p50(paasTimes))} (target ≤ 6 s)`);
    console.log(`reference, the engine starting ${N} containers of the image until each answers: p50 ${s(p50(directTimes))}`);
    console.log(`ratio: ${(p50(paasTimes) / p50(directTimes)).toFixed(2)}×`);
  } finally {
    await p.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
