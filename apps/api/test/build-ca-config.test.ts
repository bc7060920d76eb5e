import { describe, expect, it } from 'vitest';
import { buildCaFile, HOST_CA_BUNDLE } from '../src/config.js';

describe('PAAS_BUILD_CA_FILE', () => {
  it("defaults to the host's bundle when there is one, and none turns it off", () => {
    expect(buildCaFile(undefined, (p) => p === HOST_CA_BUNDLE)).toBe('/etc/ssl/certs/ca-certificates.crt');
    expect(buildCaFile('', (p) => p === HOST_CA_BUNDLE)).toBe(HOST_CA_BUNDLE);
    expect(buildCaFile(undefined, () => false)).toBeUndefined();
    expect(buildCaFile('none', () => true)).toBeUndefined();
    expect(buildCaFile('/srv/proxy-ca.pem', () => false)).toBe('/srv/proxy-ca.pem');
  });
});
