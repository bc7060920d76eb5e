import type { AppSpec } from '@paas/core';
import { sameEnv } from '@paas/core';
import type { Runtime } from '../runtime/types.js';
import type { ReleaseRow } from '../store/types.js';

/** JSON with object keys sorted: the store's jsonb does not keep key order. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

export function sameSpec(a: AppSpec, b: AppSpec): boolean {
  return canonicalJson(a) === canonicalJson(b);
}

/**
 * A push changes nothing when the active release already runs the same
 * spec, the same env, and images with the same content for every service.
 * Image ids differ between two builds of unchanged code (each build labels
 * its image), so the content is compared, not the id.
 */
export async function isUnchanged(
  runtime: Runtime,
  active: ReleaseRow | null,
  next: { spec: AppSpec; images: Record<string, string>; env: Record<string, string> },
): Promise<boolean> {
  if (!active || active.status !== 'active') return false;
  if (!sameEnv(active.env, next.env) || !sameSpec(active.spec, next.spec)) return false;
  const services = Object.keys(next.images);
  if (services.length !== Object.keys(active.images).length) return false;
  for (const service of services) {
    const before = active.images[service];
    const after = next.images[service] as string;
    if (before === undefined) return false;
    if (before === after) continue;
    if (!runtime.imageContent) return false;
    const [a, b] = await Promise.all([runtime.imageContent(before), runtime.imageContent(after)]);
    if (a === null || b === null || a !== b) return false;
  }
  return true;
}
