import { describeRelease, type ReleaseInfo } from '@paas/core';
import type { ReleaseRow } from '../store/types.js';

/** A release as `paas releases` and `paas info` show it: names of env variables, never values. */
export function toReleaseInfo(r: ReleaseRow): ReleaseInfo {
  const { kind, set, unset, to } = r.cause;
  return {
    id: r.id,
    version: r.version,
    build: r.buildId,
    status: r.status,
    createdAt: r.createdAt.toISOString(),
    kind,
    user: r.actor,
    description: describeRelease(r.cause, r.buildId),
    ...(set ? { set } : {}),
    ...(unset ? { unset } : {}),
    ...(to ? { to } : {}),
  };
}
