import type { InstanceInfo, NodeListing, PushEvent } from '@paas/core';
import { describe, expect, it } from 'vitest';
import { nodeRows } from '../src/commands/nodes.js';
import { instanceRows } from '../src/commands/ps.js';
import { table } from '../src/output.js';
import { readBody, sendJson, serve } from './helpers/http-server.js';
import { runCli } from './helpers/run-cli.js';
import { tempDir } from './helpers/temp.js';

const node = (name: string, over: Partial<NodeListing> = {}): NodeListing => ({
  name, id: `id-${name}`, address: '10.0.0.11', role: 'worker', leader: false, state: 'ready', availability: 'active',
  cpus: 2, memoryBytes: 4 * 2 ** 30, engineVersion: '20.10.24', instances: 0, dataServices: 0, ...over,
});
const NODES: NodeListing[] = [
  node('node-1', { role: 'manager', leader: true, instances: 3, dataServices: 1 }),
  node('node-2', { address: '10.0.0.12', availability: 'drain', cpus: 0.5, memoryBytes: 512 << 20 }),
  node('node-3', { address: '10.0.0.13', state: 'down', instances: 2 }),
];

const instance = (name: string, over: Partial<InstanceInfo> = {}): InstanceInfo => ({
  name, service: name.split('.')[0] ?? '', release: 'v3', state: 'healthy', restarts: 0, uptime: 125, exitCode: null, ...over,
});

describe('paas nodes table', () => {
  it('has one row per node: the leader as manager*, data services next to the instances', () => {
    expect(table(nodeRows(NODES))).toEqual([
      'NAME    ADDRESS    ROLE      STATE  AVAILABILITY  INSTANCES    CPUS  MEMORY',
      'node-1  10.0.0.11  manager*  ready  active        3 (+1 data)  2     4.0 GB',
      'node-2  10.0.0.12  worker    ready  drain         0            0.5   512 MB',
      'node-3  10.0.0.13  worker    down   active        2            2     4.0 GB',
    ]);
  });

  it('paints a state other than ready and an availability other than active only when asked, and the columns still line up', () => {
    const plain = table(nodeRows(NODES));
    const painted = table(nodeRows(NODES, true));
    expect(painted[2]).toContain('\u001b[33mdrain\u001b[39m');
    expect(painted[3]).toContain('\u001b[31mdown\u001b[39m');
    expect(painted.map((l) => l.replace(/\u001b\[\d+m/g, ''))).toEqual(plain);
    expect(plain.join('\n')).not.toContain('\u001b');
  });
});

describe('paas ps table', () => {
  it('on one engine (no instance has a node) it is as before: no NODE column', () => {
    expect(table(instanceRows([instance('www.1')], true))).toEqual([
      'INSTANCE  RELEASE  STATE    RESTARTS  UPTIME  CPU  MEMORY',
      'www.1     v3       healthy  0         2m      -    -',
    ]);
  });

  it('on several nodes a NODE column says where each instance runs', () => {
    expect(table(instanceRows([instance('www.1', { node: 'node-2' }), instance('worker.1')], false))).toEqual([
      'INSTANCE  RELEASE  STATE    RESTARTS  UPTIME  NODE',
      'www.1     v3       healthy  0         2m      node-2',
      'worker.1  v3       healthy  0         2m      -',
    ]);
  });

  it('a REASON column says why, when some instance has one', () => {
    expect(table(instanceRows([instance('www.1', { state: 'unhealthy', reason: 'stopped answering /health (3 checks)' }), instance('www.2')], false))).toEqual([
      'INSTANCE  RELEASE  STATE      RESTARTS  UPTIME  REASON',
      'www.1     v3       unhealthy  0         2m      stopped answering /health (3 checks)',
      'www.2     v3       healthy    0         2m',
    ]);
  });
});

/** A stand-in for the API's node routes. */
async function nodesApi(answer: 'swarm' | 'single'): Promise<{ url: string; seen: string[] }> {
  const seen: string[] = [];
  const { url } = await serve(async (req, res) => {
    await readBody(req);
    seen.push(`${req.method} ${req.url}`);
    if (answer === 'single') {
      return sendJson(res, 409, { code: 'NOT_ON_SWARM', message: 'this platform runs on one Docker Engine (PAAS_RUNTIME=docker): there are no nodes', hint: 'PAAS_RUNTIME=swarm' });
    }
    if (req.method === 'GET' && req.url === '/v1/nodes') return sendJson(res, 200, { nodes: NODES });
    if (req.method === 'GET' && req.url === '/v1/nodes/join-command') return sendJson(res, 200, { command: 'docker swarm join --token SWMTKN-1-abc 10.0.0.11:2377' });
    if (req.method === 'POST' && req.url === '/v1/nodes/node-2/activate') return sendJson(res, 200, { ...NODES[1], availability: 'active' });
    if (req.method === 'POST' && req.url === '/v1/nodes/node-2/drain') {
      res.writeHead(200, { 'content-type': 'application/x-ndjson' });
      const events: PushEvent[] = [
        { type: 'deploy.step', service: '', step: 'Pausing node-2: nothing new is placed there, what runs stays' },
        { type: 'deploy.step', service: 'www', step: 'Moving blog www.2 off node-2' },
        { type: 'deploy.instance', service: 'www', instance: 'www.2', state: 'starting' },
        { type: 'deploy.instance', service: 'www', instance: 'www.2', state: 'healthy' },
        { type: 'deploy.step', service: '', step: 'Draining node-2: Swarm moves what is left and places nothing there' },
        { type: 'node.drained', node: 'node-2', moved: ['blog/www.2'] },
      ];
      for (const e of events) res.write(`${JSON.stringify(e)}\n`);
      return res.end();
    }
    if (req.method === 'POST' && req.url === '/v1/nodes/node-9/drain') return sendJson(res, 404, { code: 'NODE_NOT_FOUND', message: 'no node is named "node-9"', hint: 'the nodes are: node-1, node-2, node-3 (paas nodes lists them)' });
    return sendJson(res, 404, { code: 'NOT_FOUND', message: `no route ${req.url}` });
  });
  return { url, seen };
}

describe('paas nodes against an API', () => {
  const env = async (url: string): Promise<Record<string, string>> => ({ PAAS_HOME: await tempDir(), PAAS_API_URL: url, PAAS_TOKEN: 'good' });

  it('lists, prints the join command, activates and drains with progress', async () => {
    const api = await nodesApi('swarm');
    const e = await env(api.url);
    const list = await runCli(['nodes'], { env: e });
    expect([list.code, list.stderr]).toEqual([0, '']);
    expect(list.stdout.split('\n')[1]).toBe('node-1  10.0.0.11  manager*  ready  active        3 (+1 data)  2     4.0 GB');
    const json = await runCli(['nodes', '--json'], { env: e });
    expect(JSON.parse(json.stdout)).toEqual({ nodes: NODES });
    const join = await runCli(['nodes', 'join-command'], { env: e });
    expect(join.stdout).toBe('docker swarm join --token SWMTKN-1-abc 10.0.0.11:2377\n');
    const activate = await runCli(['nodes', 'activate', 'node-2'], { env: e });
    expect(activate.stdout).toBe('-----> node-2 is active: new instances may be placed there\n');
    const drain = await runCli(['nodes', 'drain', 'node-2'], { env: e });
    expect([drain.code, drain.stderr]).toEqual([0, '']);
    expect(drain.stdout.split('\n')).toEqual(expect.arrayContaining([
      '-----> Pausing node-2: nothing new is placed there, what runs stays',
      '       Moving blog www.2 off node-2',
      '-----> node-2 is drained: moved blog/www.2',
    ]));
    expect(api.seen).toEqual(['GET /v1/nodes', 'GET /v1/nodes', 'GET /v1/nodes/join-command', 'POST /v1/nodes/node-2/activate', 'POST /v1/nodes/node-2/drain']);
  });

  it('an unknown node and a platform on one engine are errors with the catalogue exit codes', async () => {
    const swarm = await nodesApi('swarm');
    const unknown = await runCli(['nodes', 'drain', 'node-9'], { env: await env(swarm.url) });
    expect(unknown.code).toBe(4);
    expect(unknown.stderr).toContain('no node is named "node-9"');
    const single = await nodesApi('single');
    const r = await runCli(['nodes'], { env: await env(single.url) });
    expect(r.code).toBe(5);
    expect(r.stderr).toContain('there are no nodes');
  });
});
