import { readFileSync } from 'node:fs';
import { Agent } from 'node:https';
import { rootCertificates } from 'node:tls';
import * as acme from 'acme-client';
import type { AcmeConfig } from '../config.js';
import type { TlsControl } from '../router-client.js';
import type { CertFiles } from './cert-files.js';

/** Issues certificates for one host at a time from an ACME directory. */
export interface Issuer {
  issue(host: string): Promise<{ cert: string; key: string }>;
}

/** An ACME order that failed: `message` is the CA's problem detail (or what went wrong on our side). */
export class AcmeFailure extends Error {}

/**
 * ACME (RFC 8555) with the HTTP-01 challenge, through acme-client: the
 * router answers `/.well-known/acme-challenge/<token>` on its plain port
 * from the challenges we put there while an order runs. The account key is
 * kept in PAAS_HOME/tls (0600) and reused.
 */
export class AcmeIssuer implements Issuer {
  readonly #challenges = new Map<string, string>();
  #client: Promise<acme.Client> | undefined;

  constructor(
    private readonly config: AcmeConfig,
    private readonly files: CertFiles,
    private readonly control: TlsControl,
    private readonly timing: { backoffMinMs?: number; backoffMaxMs?: number; attempts?: number } = {},
  ) {
    // One directory per platform: its CA (pebble's in tests) joins the public roots.
    const extraCa = config.caFile ? readCaFile(config.caFile) : undefined;
    acme.axios.defaults.timeout = 30_000;
    if (extraCa) acme.axios.defaults.httpsAgent = new Agent({ ca: [...rootCertificates, extraCa] });
  }

  async issue(host: string): Promise<{ cert: string; key: string }> {
    try {
      return await this.#issue(host);
    } catch (err) {
      if (err instanceof AcmeFailure) throw err;
      // The first line only: acme-client puts the CA's problem detail there.
      throw new AcmeFailure(String((err as Error)?.message ?? err).split('\n')[0] || 'the ACME order failed');
    }
  }

  async #issue(host: string): Promise<{ cert: string; key: string }> {
    const client = await this.#account();
    const order = await client.createOrder({ identifiers: [{ type: 'dns', value: host }] });
    for (const authz of await client.getAuthorizations(order)) {
      if (authz.status === 'valid') continue;
      const challenge = authz.challenges.find((c) => c.type === 'http-01');
      if (!challenge) throw new AcmeFailure(`the CA offers no HTTP-01 challenge for ${host} (only ${authz.challenges.map((c) => c.type).join(', ')})`);
      const keyAuthorization = await client.getChallengeKeyAuthorization(challenge);
      await this.#setChallenge(challenge.token, keyAuthorization);
      try {
        await client.completeChallenge(challenge);
        await client.waitForValidStatus(challenge);
      } catch (err) {
        throw new AcmeFailure(await problemOf(client, order, host, err));
      } finally {
        await this.#setChallenge(challenge.token, undefined).catch(() => undefined);
      }
    }
    const [key, csr] = await acme.crypto.createCsr({ commonName: host, altNames: [host] }, await acme.crypto.createPrivateEcdsaKey());
    const finalized = await client.finalizeOrder(order, csr);
    const cert = await client.getCertificate(finalized);
    return { cert, key: key.toString() };
  }

  async #setChallenge(token: string, keyAuthorization: string | undefined): Promise<void> {
    if (keyAuthorization === undefined) this.#challenges.delete(token);
    else this.#challenges.set(token, keyAuthorization);
    await this.control.putChallenges({ challenges: Object.fromEntries(this.#challenges) });
  }

  /** The account: its key made once and kept; registered (or found again) once per process. */
  #account(): Promise<acme.Client> {
    this.#client ??= (async () => {
      const { directoryUrl, email } = this.config;
      let record = await this.files.readAccount();
      if (!record || record.directoryUrl !== directoryUrl) {
        record = { directoryUrl, email, key: (await acme.crypto.createPrivateEcdsaKey()).toString() };
        await this.files.writeAccount(record);
      }
      const client = new acme.Client({
        directoryUrl,
        accountKey: record.key,
        ...(record.url ? { accountUrl: record.url } : {}),
        backoffMin: this.timing.backoffMinMs ?? 2_000,
        backoffMax: this.timing.backoffMaxMs ?? 20_000,
        backoffAttempts: this.timing.attempts ?? 12,
      });
      await client.createAccount({ termsOfServiceAgreed: true, contact: [`mailto:${email}`] });
      const url = client.getAccountUrl();
      if (url !== record.url || record.email !== email) await this.files.writeAccount({ ...record, email, url });
      return client;
    })();
    // A failed registration (directory down) is tried again by the next order.
    this.#client.catch(() => (this.#client = undefined));
    return this.#client;
  }
}

/**
 * `HTTP-01 validation of HOST failed (connection): <the CA's detail>`, read
 * from the challenge's problem document; the error's own message otherwise.
 */
async function problemOf(client: acme.Client, order: acme.Order, host: string, err: unknown): Promise<string> {
  const fallback = String((err as Error)?.message ?? err).split('\n')[0] ?? '';
  try {
    for (const authz of await client.getAuthorizations(order)) {
      const problem = authz.challenges.find((c) => c.type === 'http-01')?.error as { type?: string; detail?: string } | undefined;
      if (problem?.detail) {
        const type = problem.type?.replace('urn:ietf:params:acme:error:', '');
        return `HTTP-01 validation of ${host} failed${type ? ` (${type})` : ''}: ${problem.detail}`;
      }
    }
  } catch {
    // The order is gone: the first message is all there is.
  }
  return `HTTP-01 validation of ${host} failed: ${fallback}`;
}

function readCaFile(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(`PAAS_ACME_CA_FILE: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}
