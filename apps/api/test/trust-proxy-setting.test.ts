import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';

describe('PAAS_API_TRUST_PROXY', () => {
  it('takes addresses, CIDRs and fastify names, and is off by default', () => {
    expect(loadConfig({}).apiTrustProxy).toBeUndefined();
    expect(loadConfig({ PAAS_API_TRUST_PROXY: ' 127.0.0.1, 10.0.0.0/8,::1, fd00::/8 ' }).apiTrustProxy).toBe('127.0.0.1, 10.0.0.0/8,::1, fd00::/8');
    expect(loadConfig({ PAAS_API_TRUST_PROXY: 'loopback' }).apiTrustProxy).toBe('loopback');
  });

  it.each(['garbage', '10.0.0.0/33', '::1/129', '10.0.0.1/8/1', '127.0.0.1,', 'true'])('refuses %j naming the setting', (value) => {
    expect(() => loadConfig({ PAAS_API_TRUST_PROXY: value })).toThrow(/^PAAS_API_TRUST_PROXY must be IP addresses or CIDRs/);
  });
});
