import { describe, expect, it } from 'vitest';
import { freeSubnets, parseCidr, poolProblem } from '../src/runtime/address-pool.js';

const take = (n: number, it: Iterable<{ subnet: string }>) => {
  const out: string[] = [];
  for (const s of it) {
    out.push(s.subnet);
    if (out.length === n) break;
  }
  return out;
};

describe('the platform address pool', () => {
  it('hands out small subnets in order, skipping any that overlap a taken one', () => {
    const pool = { base: '10.208.0.0/12', size: 24 };
    expect(take(3, freeSubnets(pool, []))).toEqual(['10.208.0.0/24', '10.208.1.0/24', '10.208.2.0/24']);
    expect(take(2, freeSubnets(pool, ['10.208.0.0/23', '172.17.0.0/16']))).toEqual(['10.208.2.0/24', '10.208.3.0/24']);
    // A taken network larger than the pool's subnets hides all of them inside it.
    expect(take(1, freeSubnets(pool, ['10.208.0.0/16']))).toEqual(['10.209.0.0/24']);
  });

  it('has room for thousands of apps (reliability 39)', () => {
    expect([...freeSubnets({ base: '10.208.0.0/12', size: 24 }, [])].length).toBe(4096);
  });

  it('gives the first address as the gateway', () => {
    expect(freeSubnets({ base: '10.1.0.0/16', size: 28 }, []).next().value).toEqual({ subnet: '10.1.0.0/28', gateway: '10.1.0.1' });
  });

  it('checks the setting', () => {
    expect(poolProblem({ base: '10.208.0.0/12', size: 24 })).toBeNull();
    expect(poolProblem({ base: '10.208.0.0', size: 24 })).toMatch(/not an IPv4 CIDR/);
    expect(poolProblem({ base: '10.208.0.0/12', size: 8 })).toMatch(/between \/12 and \/29/);
    expect(parseCidr('300.1.1.1/8')).toBeUndefined();
  });
});
