import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';

describe('health check settings', () => {
  it('are on with 3 failures by default', () => {
    const c = loadConfig({});
    expect([c.healthChecks, c.healthFailures, c.healthIntervalMs]).toEqual([true, 3, 5_000]);
    expect(loadConfig({ PAAS_HEALTH_INTERVAL_MS: '1000' }).healthIntervalMs).toBe(1_000);
  });

  it('PAAS_HEALTH_CHECKS takes on or off, PAAS_HEALTH_FAILURES a whole number (at least 1)', () => {
    expect(loadConfig({ PAAS_HEALTH_CHECKS: 'off' }).healthChecks).toBe(false);
    expect(loadConfig({ PAAS_HEALTH_CHECKS: 'ON' }).healthChecks).toBe(true);
    expect(() => loadConfig({ PAAS_HEALTH_CHECKS: 'no' })).toThrow('PAAS_HEALTH_CHECKS must be on or off, got "no"');
    expect(loadConfig({ PAAS_HEALTH_FAILURES: '5' }).healthFailures).toBe(5);
    expect(loadConfig({ PAAS_HEALTH_FAILURES: '0' }).healthFailures).toBe(1);
    expect(() => loadConfig({ PAAS_HEALTH_FAILURES: '2.5' })).toThrow('PAAS_HEALTH_FAILURES must be a whole number');
    expect(() => loadConfig({ PAAS_HEALTH_INTERVAL_MS: 'soon' })).toThrow('PAAS_HEALTH_INTERVAL_MS must be a whole number, got "soon"');
  });
});
