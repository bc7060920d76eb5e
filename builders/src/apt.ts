import { PaasError } from '@paas/core';

/** Debian package names (spec.md), optionally pinned with =version. */
const PACKAGE_RE = /^[a-z0-9][a-z0-9+.-]+(=[A-Za-z0-9.+~:-]+)?$/;

/**
 * One RUN that refreshes the lists, installs and drops the lists again (the
 * stack ships without lists, and they would only bloat the layer). Setuid and
 * setgid bits the packages bring (sudo, mount, passwd…) are cleared, as on
 * the stack image (reliability 42): every later step and every instance runs
 * as the app user, which then has no way back to root. The names
 * are checked here as well as in the parser because they end up in a shell
 * line; a name that is not a Debian package name never reaches the shell.
 */
export const SETUID_STRIP = 'find / -xdev -type f -perm /6000 -exec chmod ug-s {} +';

export function aptInstall(packages: readonly string[], path: string, after: readonly string[] = []): string {
  packages.forEach((name, i) => {
    if (!PACKAGE_RE.test(name)) {
      throw new PaasError('SPEC_INVALID', `${path}.${i}: ${JSON.stringify(name)} is not a Debian package name`, {
        path: `${path}.${i}`,
        hint: 'package names are lowercase letters, digits and + . -, optionally followed by =version',
      });
    }
  });
  const steps = [
    'apt-get update -qq',
    `apt-get install -y -q --no-install-recommends ${packages.join(' ')}`,
    ...after,
    SETUID_STRIP,
    'rm -rf /var/lib/apt/lists/*',
  ];
  return `RUN ${steps.join(' && ')}`;
}
