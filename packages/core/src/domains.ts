import { PaasError } from './errors.js';

/** RFC 1035: a name is at most 253 characters in text form, a label at most 63. */
export const MAX_DOMAIN_LENGTH = 253;
export const MAX_LABEL_LENGTH = 63;

/** Letters, digits and inner dashes (punycode `xn--…` labels included). */
const LABEL_RE = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/;

export interface DomainCheckOptions {
  /**
   * The platform's own PAAS_DOMAIN: it and every name under it are refused,
   * since `<app>.<PAAS_DOMAIN>` belongs to apps by their name.
   */
  platformDomain?: string;
}

/** A custom domain of an app (`paas domain list --json`). */
export interface DomainInfo {
  /** Lower case, no trailing dot: `www.example.com` or `*.example.com`. */
  name: string;
  app: string;
  wildcard: boolean;
  /** Where it answers over plain HTTP through the router; null for a wildcard. */
  url: string | null;
  /** `<app>.<PAAS_DOMAIN>`: the host a CNAME may point at when it resolves to the server. */
  target: string;
  createdAt: string;
}

/** POST /v1/apps/:app/domains: 201 with `created: true`, 200 with false when the app had it already. */
export interface DomainAdded extends DomainInfo {
  created: boolean;
}

/** The per-app HTTPS switch (`paas https`): GET and PUT /v1/apps/:app/https. */
export interface HttpsSettings {
  /** Plain-HTTP requests get a 308 to https://. */
  redirect: boolean;
  /** `Strict-Transport-Security: max-age=<seconds>` on HTTPS answers; null: no header. */
  hstsMaxAge: number | null;
}

/** `paas https --hsts` without a value: one year, as hstspreload.org asks. */
export const DEFAULT_HSTS_MAX_AGE = 31_536_000;
/** Two years: a longer max-age pins browsers for no benefit. */
export const MAX_HSTS_MAX_AGE = 63_072_000;

export function isWildcardDomain(name: string): boolean {
  return name.startsWith('*.');
}

function invalid(input: string, why: string, hint = 'give a plain host name such as www.example.com or *.example.com'): PaasError {
  return new PaasError('DOMAIN_INVALID', `invalid domain ${JSON.stringify(input)}: ${why}`, { hint });
}

/**
 * Validates a custom domain (reliability 22) and returns it normalised:
 * lower case, without the trailing dot of a fully qualified name. A
 * wildcard `*.example.com` is one leading `*` label before at least two
 * labels; it matches exactly one label in front of them. Throws
 * DOMAIN_INVALID with the reason.
 */
export function checkDomain(input: string, opts: DomainCheckOptions = {}): string {
  if (typeof input !== 'string' || input.length === 0) throw invalid(String(input ?? ''), 'it is empty');
  if (/\s/.test(input)) throw invalid(input, 'it contains white space');
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(input)) {
    throw invalid(input, 'give the host name alone, without a scheme', `e.g. ${hostOf(input)}`);
  }
  if (input.includes('/')) throw invalid(input, 'a domain has no path');
  if (input.startsWith('[') || input.split(':').length > 2) throw invalid(input, 'an IP address is not a domain', 'point a domain name at the server instead');
  if (input.includes(':')) throw invalid(input, 'a domain has no port', 'the router serves every domain on its own ports');
  if (input.includes('@')) throw invalid(input, 'a domain has no user part');
  // eslint-disable-next-line no-control-regex
  if (/[^\x21-\x7e]/.test(input)) throw invalid(input, 'only ASCII letters, digits, dashes and dots', 'write an internationalised name in its punycode form (xn--…)');
  let name = input.toLowerCase();
  if (name.endsWith('.') && !name.endsWith('..')) name = name.slice(0, -1);
  if (name.length > MAX_DOMAIN_LENGTH) throw invalid(input, `it is longer than ${MAX_DOMAIN_LENGTH} characters`);
  const labels = name.split('.');
  const wildcard = labels[0] === '*';
  const rest = wildcard ? labels.slice(1) : labels;
  if (labels.some((l) => l === '')) throw invalid(input, name.startsWith('.') ? 'it starts with a dot' : 'it has an empty label (two dots in a row, or a dot at an end)');
  if (rest.includes('*') || labels.some((l) => l.includes('*') && l !== '*')) {
    throw invalid(input, 'a wildcard is one leading "*." label only', 'e.g. *.example.com');
  }
  if (rest[rest.length - 1] === 'localhost') throw invalid(input, 'localhost names resolve to each client itself', 'use a domain that points at the server');
  if (rest.length < 2) {
    throw invalid(input, wildcard ? 'a wildcard needs at least two labels after "*."' : 'it needs at least two labels', wildcard ? 'e.g. *.example.com' : 'e.g. www.example.com');
  }
  for (const label of rest) {
    if (label.length > MAX_LABEL_LENGTH) throw invalid(input, `the label ${label.slice(0, 12)}… is longer than ${MAX_LABEL_LENGTH} characters`);
    if (!LABEL_RE.test(label)) {
      throw invalid(input, `the label ${JSON.stringify(label)} has other characters than letters, digits and inner dashes`);
    }
  }
  // A numeric top label is an IP address (1.2.3.4) or resolves as one.
  if (/^[0-9]+$/.test(rest[rest.length - 1] ?? '')) throw invalid(input, 'an IP address is not a domain', 'point a domain name at the server instead');
  const platform = opts.platformDomain?.toLowerCase().replace(/\.$/, '');
  if (platform !== undefined && platform !== '') {
    const base = rest.join('.');
    if (base === platform || base.endsWith(`.${platform}`)) {
      throw invalid(input, `names under ${platform} belong to apps by their name`, `the app is served at <app>.${platform} already; add a domain of your own`);
    }
  }
  return name;
}

function hostOf(input: string): string {
  try {
    return new URL(input).hostname || 'www.example.com';
  } catch {
    return 'www.example.com';
  }
}

/** `http://NAME[:port]/`-style URL of an exact domain through the router's plain-HTTP port. */
export function domainUrl(name: string, routerPort: number): string | null {
  if (isWildcardDomain(name)) return null;
  return `http://${name}${routerPort === 80 ? '' : `:${routerPort}`}`;
}
