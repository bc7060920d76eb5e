/** What a hidden secret shows in place of its value. */
export const MASK = '••••••';

/** The API's own mask of a secret it did not send (`?secrets=1` not asked). */
const API_MASK = /\*{4,}/g;

/** A URL with its password (if any) hidden: `postgres://app:••••••@db:5432/app`. */
export function maskUrl(text: string): string {
  return text.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/@\s]*:)([^@/\s]*)@/i, (_m, head: string) => `${head}${MASK}@`);
}

/** A value shown with every secret in it hidden: URLs lose their password, the API's `********` reads as the mask. */
export function maskValue(text: string): string {
  return maskUrl(text).replace(API_MASK, MASK);
}

/** Names whose whole value is a secret (passwords, tokens, keys). */
export function isSecretName(name: string): boolean {
  return /PASS|SECRET|TOKEN|KEY|PRIVATE|CREDENTIAL/i.test(name);
}

/** A service env value as shown before it is revealed. */
export function maskEnvValue(name: string, value: string): string {
  return isSecretName(name) ? MASK : maskValue(value);
}
