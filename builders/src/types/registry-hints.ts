/**
 * Hints for a failed dependency step of the php, ruby and perl types. Their
 * registries (Packagist, RubyGems, CPAN) may be out of reach from the
 * platform's machines, while Debian's mirror never is: the hint names the
 * Debian-package route through `systempackages:`. Matched on the step's
 * Dockerfile line, which these types write (see *-common.ts).
 */
const HINTS: { test: RegExp; hint: string }[] = [
  {
    test: /\bcomposer\b/,
    hint: 'if Packagist is out of reach from the platform, ask for Debian\'s php-* packages with systempackages: instead (e.g. php-mysql, php-curl)',
  },
  {
    test: /\bbundle install\b|"gem", "install"/,
    hint: 'if RubyGems is out of reach from the platform, ask for Debian\'s ruby-* packages with systempackages: instead (e.g. ruby-sinatra)',
  },
  {
    test: /\bcpanm\b/,
    hint: 'if CPAN is out of reach from the platform, ask for Debian\'s lib*-perl packages with systempackages: instead (e.g. libdancer2-perl)',
  },
];

/** The hint for a failed step, when it is one of those installers. */
export function dependencyStepHint(step: string | undefined): string | undefined {
  if (step === undefined) return undefined;
  return HINTS.find((h) => h.test.test(step))?.hint;
}
