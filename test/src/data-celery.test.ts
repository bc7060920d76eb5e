import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAndPush, getSlow, ok, serviceInfo, shown, waitUntil } from './harness/data.js';
import { getVia } from './harness/http.js';
import { startPlatform, type Platform } from './harness/platform.js';

// examples/python-celery: www (Flask) queues tasks, worker (Celery) runs
// them, broker (RabbitMQ) carries both the tasks and, with rpc://, the results.
const APP = 'jobs';
const HOST = `${APP}.localhost`;
let p: Platform;
let dir: string;

beforeAll(async () => {
  p = await startPlatform();
  // The first push on a machine builds the RabbitMQ image: minutes.
  dir = (await createAndPush(p, 'examples/python-celery', APP)).dir;
}, 900_000);
afterAll(async () => {
  await p?.stop();
});

interface TaskAnswer {
  task: string;
  state: string;
  result: unknown;
  worker: string;
}

async function task(path: string): Promise<TaskAnswer> {
  const r = await getSlow(p.routerPort, HOST, path);
  if (r.status !== 200) throw new Error(`GET ${path} answered ${r.status}: ${r.body}`);
  return JSON.parse(r.body) as TaskAnswer;
}

interface Instance { name: string; state: string }
async function ps(): Promise<Instance[]> {
  return JSON.parse(ok(await p.paas(['ps', '--json'], { cwd: dir }), 'paas ps').stdout) as Instance[];
}

describe('python-celery', () => {
  it('the page is served by www', async () => {
    const r = await getVia(p.routerPort, HOST, '/');
    expect(r.status).toBe(200);
    expect(r.body).toContain('python-celery');
    expect((await ps()).map((i) => `${i.name} ${i.state}`).sort()).toEqual(['worker.1 healthy', 'www.1 healthy']);
  });

  it('a task queued by the web service is run by the worker, and its result shown', async () => {
    // The worker may still be connecting to RabbitMQ right after the push: the task waits in the queue.
    const reversed = await waitUntil('a task result', () => task('/reverse?text=hello%20paas'), 60_000, 1_000);
    expect(reversed).toMatchObject({ state: 'SUCCESS', result: 'saap olleh', worker: 'worker.1' });
    expect(reversed.task).toMatch(/^[0-9a-f-]{36}$/);
    const sum = await task('/add?x=2&y=40');
    expect(sum).toMatchObject({ state: 'SUCCESS', result: 42, worker: 'worker.1' });
    // One after the other, and several at once: each request gets its own task's result.
    for (let i = 0; i < 8; i++) expect((await task(`/add?x=${i}&y=100`)).result).toBe(100 + i);
    const together = await Promise.all(Array.from({ length: 6 }, (_, i) => task(`/reverse?text=abc${i}`)));
    expect(together.map((t) => t.result)).toEqual(Array.from({ length: 6 }, (_, i) => `${i}cba`));
    expect(new Set(together.map((t) => t.task)).size).toBe(6);
    const bad = await getVia(p.routerPort, HOST, '/add?x=two&y=3');
    expect(bad.status).toBe(400);
  });

  it('the worker logs the tasks it ran', async () => {
    const logs = await waitUntil(
      'the worker log line',
      async () => {
        const r = ok(await p.paas(['logs', 'worker', '--no-follow', '-n', '500'], { cwd: dir }), 'paas logs worker');
        return /Task tasks\.add\[[0-9a-f-]+\] succeeded/.test(r.stdout) ? r.stdout : undefined;
      },
      30_000,
      1_000,
    );
    expect(logs).toMatch(/Task tasks\.reverse\[[0-9a-f-]+\] succeeded/);
  });

  it('paas restart worker: a new worker runs the next tasks', async () => {
    const restarted = await p.paas(['restart', 'worker'], { cwd: dir });
    expect(restarted.code, shown(restarted)).toBe(0);
    const answer = await waitUntil('a task result after the restart', () => task('/reverse?text=again'), 60_000, 1_000);
    expect(answer).toMatchObject({ state: 'SUCCESS', result: 'niaga', worker: 'worker.1' });
    for (let i = 0; i < 5; i++) expect((await task(`/add?x=${i}&y=1`)).result).toBe(i + 1);
  });

  it('tasks queued while no worker runs wait in RabbitMQ and run once one is back', async () => {
    ok(await p.paas(['scale', 'worker=0'], { cwd: dir }), 'scale worker=0');
    // No worker: the web service gives up waiting after its 10 s, the task stays queued.
    const waiting = await getSlow(p.routerPort, HOST, '/reverse?text=queued');
    expect(waiting.status, waiting.body).toBe(504);
    const queued = await p.paas(['run', 'broker', '--', 'rabbitmqctl', 'list_queues', '-p', (await serviceInfo(p, dir, 'broker')).database, 'name', 'messages'], { cwd: dir });
    expect(queued.code, shown(queued)).toBe(0);
    expect(queued.stdout).toMatch(/^celery\s+1$/m);
    ok(await p.paas(['scale', 'worker=1'], { cwd: dir }), 'scale worker=1');
    await waitUntil(
      'the queued task run by the new worker',
      async () => {
        const r = ok(await p.paas(['logs', 'worker', '--no-follow', '-n', '500'], { cwd: dir }), 'paas logs worker');
        return /Task tasks\.reverse\[[0-9a-f-]+\] succeeded in [\d.]+s: \{.*'deueuq'/.test(r.stdout);
      },
      60_000,
      1_000,
    );
    expect((await task('/add?x=20&y=22')).result).toBe(42);
  });
});
