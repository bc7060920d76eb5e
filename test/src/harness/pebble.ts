import { spawn, type ChildProcess } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import { join } from 'node:path';
import { freePort } from './ports.js';
import type { TestCa } from './test-certs.js';

/**
 * Debian's pebble (Let's Encrypt's test ACME server) on loopback, with
 * pebble-challtestsrv as its DNS server: every name resolves to 127.0.0.1
 * (A only), so pebble validates HTTP-01 against the router's plain port.
 * Its HTTPS listener uses a certificate of the test's CA, which the API is
 * told to trust (PAAS_ACME_CA_FILE). stop() ends both processes.
 */
export interface Pebble {
  directoryUrl: string;
  /** The CA file that makes pebble's directory trusted. */
  caFile: string;
  /** PEM of the root pebble issues under (made anew each start). */
  issuingRoot(): Promise<string>;
  /** DNS queries for HOST get SERVFAIL from now on: its challenge cannot validate. */
  servfail(host: string): Promise<void>;
  /** The last lines pebble and the DNS server wrote (for a failing test's message). */
  logs(): string;
  stop(): Promise<void>;
}

/** `validitySeconds`: how long the certificates it issues last (pebble's default is five years). */
export async function startPebble(ca: TestCa, httpPort: number, opts: { validitySeconds?: number } = {}): Promise<Pebble> {
  const [acmePort, mgmtPort, dnsPort, dnsMgmtPort, tlsAlpnPort] = [await freePort(), await freePort(), await freePort(), await freePort(), await freePort()];
  const tls = await ca.leaf('pebble', ['localhost', 'IP:127.0.0.1']);
  const config = join(ca.dir, 'pebble-config.json');
  await writeFile(config, JSON.stringify({
    pebble: {
      listenAddress: `127.0.0.1:${acmePort}`,
      managementListenAddress: `127.0.0.1:${mgmtPort}`,
      certificate: tls.cert,
      privateKey: tls.key,
      httpPort,
      tlsPort: tlsAlpnPort,
      ocspResponderURL: '',
      externalAccountBindingRequired: false,
      ...(opts.validitySeconds ? { certificateValidityPeriod: opts.validitySeconds } : {}),
    },
  }));
  let output = '';
  const children: ChildProcess[] = [];
  const started = (cmd: string, args: string[], env: NodeJS.ProcessEnv = {}): ChildProcess => {
    const child = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    const keep = (d: Buffer): void => {
      output = (output + d.toString()).slice(-20_000);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    children.push(child);
    return child;
  };
  const stop = async (): Promise<void> => {
    await Promise.all(children.map((child) => new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), 3_000).unref();
    })));
  };
  try {
    started('pebble-challtestsrv', ['-dns01', `127.0.0.1:${dnsPort}`, '-management', `127.0.0.1:${dnsMgmtPort}`, '-http01', '', '-https01', '', '-tlsalpn01', '', '-defaultIPv6', '']);
    started('pebble', ['-config', config, '-dnsserver', `127.0.0.1:${dnsPort}`], {
      // Validate at once; never reject a good nonce; never reuse an authorization (each order validates).
      PEBBLE_VA_NOSLEEP: '1',
      PEBBLE_WFE_NONCEREJECT: '0',
      PEBBLE_AUTHZREUSE: '0',
    });
    const caPem = await readFile(ca.cert, 'utf8');
    const directoryUrl = `https://127.0.0.1:${acmePort}/dir`;
    const deadline = Date.now() + 20_000;
    for (;;) {
      const ok = await get(directoryUrl, caPem).then((r) => r.status === 200, () => false);
      const dnsUp = await fetch(`http://127.0.0.1:${dnsMgmtPort}/clear-request-history`, { method: 'POST', body: '{"host":"x","type":"dns"}' }).then(() => true, () => false);
      if (ok && dnsUp) break;
      if (Date.now() > deadline) throw new Error(`pebble did not start:\n${output}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    return {
      directoryUrl,
      caFile: ca.cert,
      issuingRoot: async () => (await get(`https://127.0.0.1:${mgmtPort}/roots/0`, caPem)).body,
      servfail: async (host) => {
        const res = await fetch(`http://127.0.0.1:${dnsMgmtPort}/set-servfail`, { method: 'POST', body: JSON.stringify({ host }) });
        if (!res.ok) throw new Error(`pebble-challtestsrv refused set-servfail: ${res.status}`);
      },
      logs: () => output,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

function get(url: string, ca: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { ca, timeout: 5_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}
