import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { PaasError, type CertAddRequest, type CertInfo, type CertList } from '@paas/core';
import { apiClient, type Context } from '../context.js';
import { resolveApp } from '../link.js';
import { paint, table } from '../output.js';
import { withAppOption } from './app-option.js';

const certsPath = (app: string): string => `/apps/${encodeURIComponent(app)}/certs`;

/** `issued`, `pending`, `failed: <reason>`, `issued (self-signed)`. */
export function statusText(c: CertInfo): string {
  if (c.status === 'failed') return `failed: ${c.message ?? 'no reason given'}`;
  if (c.status === 'none') return 'none';
  if (c.status === 'issued' && c.message) return `${c.status} (${c.message})`;
  if (c.status === 'issued' && c.selfSigned && c.source === 'own') return 'issued (self-signed)';
  return c.status;
}

/** The table of `paas certs list`: HOST, SOURCE, ISSUER, EXPIRES (a date), STATUS. */
export function certRows(list: CertList): string[][] {
  const row = (c: CertInfo): string[] => [
    c.host,
    c.source,
    c.issuer ?? '-',
    c.notAfter ? c.notAfter.slice(0, 10) : '-',
    c.source === 'platform' ? (c.selfSigned ? 'issued (self-signed)' : c.status) : statusText(c),
  ];
  return [['HOST', 'SOURCE', 'ISSUER', 'EXPIRES', 'STATUS'], ...list.certificates.map(row), row(list.platform)];
}

async function readPem(file: string, what: string, cwd: string): Promise<string> {
  try {
    return await readFile(resolve(cwd, file), 'utf8');
  } catch (err) {
    throw new PaasError('CERT_INVALID', `cannot read the ${what} file ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}

export function registerCerts(program: Command, ctx: Context): void {
  const certs = program
    .command('certs')
    .description('HTTPS certificates of an app: list them with their expiry, add your own for a host, remove it')
    .addHelpText('after', `
Every host of the app is served over HTTPS by the router (PAAS_ROUTER_TLS_PORT).
Which certificate answers for a host:
  own        one you added with paas certs add (it wins over the others)
  acme       issued by the ACME CA for a custom domain, when the operator set
             PAAS_ACME_EMAIL; renewed before it ends
  platform   the certificate for *.PAAS_DOMAIN (the operator's, or a self-signed
             one that browsers and curl warn about)

Examples:
  $ paas certs
  $ paas certs add www.example.com --cert fullchain.pem --key privkey.pem
  $ paas certs list -a blog --json
  $ paas certs rm www.example.com`);

  withAppOption(certs.command('list', { isDefault: true }))
    .description('list the certificates of the app: host, source (own, acme, platform), issuer, expiry date and status')
    .option('--json', 'print the API answer as JSON')
    .addHelpText('after', `
Status: issued; pending (an ACME order runs); failed: <the CA's reason> (an
ACME order failed: it is tried again an hour later, at API start, or after
paas domain rm and add); none (no certificate yet: the platform's is served).

Examples:
  $ paas certs list
  $ paas certs list -a blog --json`)
    .action(async (opts: { app?: string; json?: boolean }) => {
      const name = await resolveApp(opts.app, ctx.cwd);
      const client = await apiClient(ctx);
      const list = await client.request<CertList>('GET', certsPath(name));
      if (opts.json === true) return ctx.out.json(list);
      ctx.out.section(`${name} certificates`);
      for (const line of table(certRows(list))) ctx.out.line(line);
      if (list.platform.selfSigned) {
        ctx.out.line();
        ctx.out.line(paint(`Note: *.${list.platform.host.replace(/^\*\./, '')} is served with a self-signed certificate: browsers and curl warn about it.`, 'yellow', ctx.out.outColor));
        ctx.out.line('      The operator sets PAAS_TLS_CERT_FILE and PAAS_TLS_KEY_FILE for a real one; add your own per host with paas certs add.');
      }
      if (!list.acme && list.certificates.some((c) => c.source === 'none')) {
        ctx.out.line('Note: ACME is off on this platform (PAAS_ACME_EMAIL): custom domains need paas certs add.');
      }
    });

  withAppOption(certs.command('add'))
    .description('serve your own certificate for HOST (a domain of the app): the chain (leaf first) and its unencrypted key, as PEM')
    .argument('<host>', 'a domain of the app (paas domain add), or <app>.PAAS_DOMAIN')
    .requiredOption('--cert <file>', 'PEM certificate file: the leaf first, then its intermediates (fullchain.pem)')
    .requiredOption('--key <file>', 'PEM private key file, unencrypted (privkey.pem)')
    .addHelpText('after', `
The pair is checked before anything is stored: the key must match, the chain
must parse and link up, the certificate must be valid now and cover HOST.
The router serves it at once; the key is stored 0600 and never shown again.

Examples:
  $ paas certs add www.example.com --cert fullchain.pem --key privkey.pem
  $ paas certs add shop.example.com --cert shop.crt --key shop.key -a shop`)
    .action(async (host: string, opts: { app?: string; cert: string; key: string }) => {
      const name = await resolveApp(opts.app, ctx.cwd);
      const body: CertAddRequest = { host, cert: await readPem(opts.cert, 'certificate', ctx.cwd), key: await readPem(opts.key, 'key', ctx.cwd) };
      const client = await apiClient(ctx);
      const info = await client.request<CertInfo>('POST', certsPath(name), body);
      ctx.out.step(`Serving ${info.host} with your certificate`);
      ctx.out.detail(`issuer ${info.issuer ?? '-'}, expires ${info.notAfter?.slice(0, 10) ?? '-'}${info.selfSigned ? ' (self-signed)' : ''}`);
      if (info.names) ctx.out.detail(`names ${info.names.join(', ')}`);
    });

  withAppOption(certs.command('rm'))
    .description('stop serving your own certificate for HOST (ACME issues one again when the platform has it on)')
    .argument('<host>', 'the host given to paas certs add')
    .addHelpText('after', `
Examples:
  $ paas certs rm www.example.com
  $ paas certs rm shop.example.com -a shop`)
    .action(async (host: string, opts: { app?: string }) => {
      const name = await resolveApp(opts.app, ctx.cwd);
      const client = await apiClient(ctx);
      await client.request<undefined>('DELETE', `${certsPath(name)}/${encodeURIComponent(host)}`);
      ctx.out.step(`Removed your certificate for ${host}`);
    });
}
