/**
 * App networks come from the platform's own address pool in small subnets
 * (reliability 39): Docker's default pools hand out /16s and /20s and run out
 * after about 30 networks. Pure IPv4 arithmetic; the driver asks the engine
 * which subnets are taken.
 */
export interface AddressPool {
  /** e.g. 10.208.0.0/12 */
  base: string;
  /** Prefix length of each app's subnet, e.g. 24. */
  size: number;
}

export const DEFAULT_POOL: AddressPool = { base: '10.208.0.0/12', size: 24 };

interface Cidr { start: number; bits: number }

export function parseCidr(text: string): Cidr | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(text.trim());
  if (!m) return undefined;
  const octets = m.slice(1, 5).map(Number);
  const bits = Number(m[5]);
  if (octets.some((o) => o > 255) || bits > 32) return undefined;
  const ip = ((octets[0]! << 24) >>> 0) + (octets[1]! << 16) + (octets[2]! << 8) + octets[3]!;
  return { start: (ip & mask(bits)) >>> 0, bits };
}

function mask(bits: number): number {
  return bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
}

function toIp(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

function overlaps(a: Cidr, b: Cidr): boolean {
  const bits = Math.min(a.bits, b.bits);
  return ((a.start & mask(bits)) >>> 0) === ((b.start & mask(bits)) >>> 0);
}

/** Checks a pool setting; returns a problem or null. */
export function poolProblem(pool: AddressPool): string | null {
  const base = parseCidr(pool.base);
  if (!base) return `${pool.base} is not an IPv4 CIDR like 10.208.0.0/12`;
  if (!Number.isInteger(pool.size) || pool.size < base.bits || pool.size > 29) {
    return `subnet size /${pool.size} must be between /${base.bits} and /29`;
  }
  return null;
}

/**
 * Subnets of the pool not overlapping any taken one, in order, with their
 * gateway (the first address). Lazy: a pool of thousands yields one at a time.
 */
export function* freeSubnets(pool: AddressPool, taken: readonly string[]): Generator<{ subnet: string; gateway: string }> {
  const base = parseCidr(pool.base);
  if (!base) return;
  const used = taken.map(parseCidr).filter((c): c is Cidr => c !== undefined);
  const step = 2 ** (32 - pool.size);
  const end = base.start + 2 ** (32 - base.bits);
  for (let start = base.start; start < end; start += step) {
    const candidate = { start, bits: pool.size };
    if (used.some((u) => overlaps(u, candidate))) continue;
    yield { subnet: `${toIp(start)}/${pool.size}`, gateway: toIp(start + 1) };
  }
}
