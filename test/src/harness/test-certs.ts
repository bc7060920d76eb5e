import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** A certificate and key as files (PEM), made with the openssl command. */
export interface CertFilesPair {
  cert: string;
  key: string;
}

/**
 * A throwaway CA in a temporary directory (removed by remove()) that signs
 * leaf certificates with the names, dates and keys a test asks for.
 */
export class TestCa {
  private constructor(
    readonly dir: string,
    readonly cert: string,
    readonly key: string,
  ) {}

  static async create(name = 'paas e2e test CA'): Promise<TestCa> {
    const dir = await mkdtemp(join(tmpdir(), 'paas-certs-'));
    const ca = new TestCa(dir, join(dir, 'ca.crt'), join(dir, 'ca.key'));
    await run('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', ca.key, '-out', ca.cert,
      '-subj', `/CN=${name}`, '-days', '3', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
    return ca;
  }

  /**
   * A leaf for NAMES (DNS names; `IP:…` entries as they are), signed by this
   * CA. `expired` makes one that ended yesterday.
   */
  async leaf(file: string, names: string[], opts: { expired?: boolean } = {}): Promise<CertFilesPair> {
    const base = join(this.dir, file);
    const pair = { cert: `${base}.crt`, key: `${base}.key` };
    await run('openssl', ['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', pair.key, '-out', `${base}.csr`, '-subj', `/CN=${names[0]}`]);
    const san = names.map((n) => (n.startsWith('IP:') ? n : `DNS:${n}`)).join(',');
    await writeFile(`${base}.ext`, `subjectAltName=${san}\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n`);
    // openssl 3.0 has no -not_after: -days -1 ends the certificate a day before it starts.
    const dates = ['-days', opts.expired ? '-1' : '2'];
    await run('openssl', ['x509', '-req', '-in', `${base}.csr`, '-CA', this.cert, '-CAkey', this.key, '-CAcreateserial', '-out', pair.cert, '-extfile', `${base}.ext`, ...dates]);
    return pair;
  }

  async remove(): Promise<void> {
    await rm(this.dir, { recursive: true, force: true });
  }
}
