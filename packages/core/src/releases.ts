/** What made a release: a push of a build, a change of the app env, or a rollback. */
export type ReleaseKind = 'push' | 'env' | 'rollback';

/**
 * What a release was, as the store keeps it. Env changes keep names only,
 * never values (reliability 7).
 */
export interface ReleaseCause {
  kind: ReleaseKind;
  /** env: the names set and unset. */
  set?: string[];
  unset?: string[];
  /** rollback: the release whose images, env and spec it reactivated. */
  to?: string;
}

/** `push b7f3k2`, `env set A, B; unset C`, `rollback to v2`. */
export function describeRelease(cause: ReleaseCause, build: string): string {
  switch (cause.kind) {
    case 'push':
      return `push ${build}`;
    case 'env': {
      const parts: string[] = [];
      if (cause.set?.length) parts.push(`set ${cause.set.join(', ')}`);
      if (cause.unset?.length) parts.push(`unset ${cause.unset.join(', ')}`);
      return `env ${parts.join('; ') || 'change'}`;
    }
    case 'rollback':
      return `rollback to ${cause.to ?? '?'}`;
  }
}
