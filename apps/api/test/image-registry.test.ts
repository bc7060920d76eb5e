import { X509Certificate } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig, registrySettings } from '../src/config.js';
import { layerOutcomes, pullOnNode, pushedDigest, type ProgressEvent } from '../src/images/distribute.js';
import { loadRegistryCa, PlatformRegistry, registryConfig, registryFiles } from '../src/images/platform-registry.js';
import { digestReference, parseListenSetting, parseRegistrySetting, repositoryFor, splitDigestReference } from '../src/images/reference.js';

const DIGEST = `sha256:${'ab'.repeat(32)}`;
const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

describe('registry settings', () => {
  it('are inert by default: no registry for the single-engine runtime', () => {
    expect(registrySettings({})).toEqual({ registry: undefined, registryAddr: undefined });
    expect(loadConfig({}).registry).toBeUndefined();
    expect(loadConfig({}).registryAddr).toBeUndefined();
  });

  it('PAAS_REGISTRY is host:port with an optional prefix', () => {
    expect(parseRegistrySetting('registry.example.com:5000')).toEqual({ address: 'registry.example.com:5000', prefix: '' });
    expect(parseRegistrySetting('10.0.0.5:443/team/paas/')).toEqual({ address: '10.0.0.5:443', prefix: 'team/paas' });
    expect(parseRegistrySetting('https://reg.example.com:5000/a')).toEqual({ address: 'reg.example.com:5000', prefix: 'a' });
    expect(parseRegistrySetting('[fd00::5]:5000')).toEqual({ address: '[fd00::5]:5000', prefix: '' });
    expect(loadConfig({ PAAS_REGISTRY: 'reg.example.com:5000/x' }).registry).toEqual({ address: 'reg.example.com:5000', prefix: 'x' });
  });

  it('PAAS_REGISTRY refuses what an engine could not name', () => {
    expect(() => parseRegistrySetting('registry.example.com')).toThrow(/PAAS_REGISTRY must be host:port/);
    expect(() => parseRegistrySetting('reg:70000')).toThrow(/out of range/);
    expect(() => parseRegistrySetting('300.1.1.1:5000')).toThrow(/not a host name or an IPv4 address/);
    expect(() => parseRegistrySetting('reg:5000/Team')).toThrow(/prefix "Team"/);
    expect(() => parseRegistrySetting('reg:5000/a//b')).toThrow(/prefix/);
  });

  it('PAAS_REGISTRY_ADDR is one address of this machine and a port', () => {
    expect(parseListenSetting('10.213.0.1:5000')).toEqual({ host: '10.213.0.1', port: 5000 });
    expect(parseListenSetting('127.0.0.1:5000')).toEqual({ host: '127.0.0.1', port: 5000 });
    expect(loadConfig({ PAAS_REGISTRY_ADDR: '10.0.0.1:5443' }).registryAddr).toEqual({ host: '10.0.0.1', port: 5443 });
    expect(() => parseListenSetting('0.0.0.0:5000')).toThrow(/not 0\.0\.0\.0/);
    expect(() => parseListenSetting('manager.example.com:5000')).toThrow(/an address of this machine/);
    expect(() => parseListenSetting('10.0.0.1')).toThrow(/PAAS_REGISTRY_ADDR must be host:port/);
  });

  it('PAAS_REGISTRY and PAAS_REGISTRY_ADDR exclude each other', () => {
    expect(() => loadConfig({ PAAS_REGISTRY: 'reg:5000', PAAS_REGISTRY_ADDR: '10.0.0.1:5000' })).toThrow(/exclude each other/);
  });
});

describe('references', () => {
  it('name the platform, the app and the service under the registry', () => {
    expect(repositoryFor({ address: '10.213.0.1:5000', prefix: '' }, 'p0a1b2', 'hello', 'www')).toBe('10.213.0.1:5000/paas-p0a1b2/hello/www');
    expect(repositoryFor({ address: 'reg:5000', prefix: 'team' }, 'p0', 'my-app', 'worker_2')).toBe('reg:5000/team/paas-p0/my-app/worker_2');
    expect(() => repositoryFor({ address: 'reg:5000', prefix: '' }, 'p0', 'Hello', 'www')).toThrow(/app "Hello"/);
  });

  it('releases refer to images by digest', () => {
    expect(digestReference('reg:5000/paas-p0/a/www', DIGEST)).toBe(`reg:5000/paas-p0/a/www@${DIGEST}`);
    expect(() => digestReference('reg:5000/paas-p0/a/www', 'latest')).toThrow(/not a sha256 digest/);
    expect(splitDigestReference(`reg:5000/paas-p0/a/www@${DIGEST}`)).toEqual({ repository: 'reg:5000/paas-p0/a/www', digest: DIGEST });
    expect(splitDigestReference('reg:5000/paas-p0/a/www:v1')).toBeNull();
  });

  it('pullOnNode refuses a reference by tag before asking any engine', async () => {
    await expect(pullOnNode({} as never, 'reg:5000/paas-p0/a/www:latest')).rejects.toMatchObject({ code: 'IMAGE_TRANSFER_FAILED' });
  });
});

describe('push streams', () => {
  const events: ProgressEvent[] = [
    { status: 'The push refers to repository [reg:5000/paas-p0/a/www]' },
    { status: 'Preparing', id: '0123456789ab' },
    { status: 'Preparing', id: 'ba9876543210' },
    { status: 'Layer already exists', id: '0123456789ab' },
    { status: 'Pushing', id: 'ba9876543210', progressDetail: { current: 512, total: 4096 } },
    { status: 'Pushing', id: 'ba9876543210', progressDetail: { current: 4096, total: 4096 } },
    { status: 'Pushed', id: 'ba9876543210' },
    { status: `id-0123: digest: ${DIGEST} size: 735` },
    { progressDetail: {}, aux: { Tag: 'id-0123', Digest: DIGEST, Size: 735 } },
  ];

  it('give the digest from aux and each layer’s outcome', () => {
    expect(pushedDigest(events)).toBe(DIGEST);
    expect(layerOutcomes(events)).toEqual([
      { id: '0123456789ab', status: 'Layer already exists', bytes: 0 },
      { id: 'ba9876543210', status: 'Pushed', bytes: 4096 },
    ]);
    expect(pushedDigest(events.slice(0, -1))).toBeUndefined();
  });
});

describe('the platform registry’s files', () => {
  it('the CA is made once, its key 0600, and kept', async () => {
    const home = await mkdtemp(join(tmpdir(), 'paas-reg-unit-'));
    dirs.push(home);
    const files = registryFiles(home);
    await mkdir(files.dir, { recursive: true });
    const now = new Date();
    const ca = await loadRegistryCa(files, now);
    expect((await stat(files.caKey)).mode & 0o777).toBe(0o600);
    expect(new X509Certificate(ca.cert).ca).toBe(true);
    const again = await loadRegistryCa(files, now);
    expect(again.cert).toBe(ca.cert);
    expect(await readFile(files.caCert, 'utf8')).toBe(ca.cert);
  });

  it('the config serves TLS off loopback, keeps storage under PAAS_HOME/registry and redirects nowhere', () => {
    const files = registryFiles('/var/lib/paas');
    const yml = registryConfig({ files, listen: { host: '10.213.0.1', port: 5000 }, tls: true, secret: 's3cr3t' });
    expect(yml).toContain('rootdirectory: "/var/lib/paas/registry/data"');
    expect(yml).toContain('addr: "10.213.0.1:5000"');
    expect(yml).toContain('certificate: "/var/lib/paas/registry/server.crt"');
    expect(yml).toMatch(/redirect:\n\s+disable: true/);
    expect(registryConfig({ files, listen: { host: '127.0.0.1', port: 5000 }, tls: false, secret: 's' })).not.toContain('tls:');
    expect(new PlatformRegistry({ home: '/x', listen: { host: '127.0.0.1', port: 5000 } }).tls).toBe(false);
    expect(new PlatformRegistry({ home: '/x', listen: { host: '10.213.0.1', port: 5000 } }).nodeCaPath).toBe('/etc/docker/certs.d/10.213.0.1:5000/ca.crt');
  });

  it('a missing binary is REGISTRY_UNAVAILABLE with the package to install', async () => {
    const home = await mkdtemp(join(tmpdir(), 'paas-reg-unit-'));
    dirs.push(home);
    const r = new PlatformRegistry({ home, listen: { host: '127.0.0.1', port: 5000 }, binary: join(home, 'none') });
    await expect(r.start()).rejects.toMatchObject({ code: 'REGISTRY_UNAVAILABLE', hint: expect.stringContaining('apt-get install docker-registry') });
  });
});
