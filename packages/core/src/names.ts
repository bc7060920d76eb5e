import { PaasError } from './errors.js';

/** App names: lowercase letters, digits and single dashes, 2–32 characters. */
export const APP_NAME_RE = /^[a-z][a-z0-9-]{0,30}[a-z0-9]$/;
/** Service names: dotCloud's rule, at most 16 characters. */
export const SERVICE_NAME_RE = /^[a-z][a-z0-9_]{0,15}$/;
/** User names follow the app-name rule. */
export const USER_NAME_RE = APP_NAME_RE;

export function isAppName(name: string): boolean {
  return APP_NAME_RE.test(name) && !name.includes('--');
}

export function isServiceName(name: string): boolean {
  return SERVICE_NAME_RE.test(name);
}

export function checkAppName(name: string): string {
  if (!isAppName(name)) {
    throw new PaasError('NAME_INVALID', `invalid app name ${JSON.stringify(name)}`, {
      hint: 'app names are 2–32 characters: lowercase letters, digits and single dashes, starting with a letter and not ending with a dash',
    });
  }
  return name;
}

export function checkServiceName(name: string, path = name): string {
  if (!isServiceName(name)) {
    throw new PaasError('NAME_INVALID', `invalid service name ${JSON.stringify(name)}`, {
      path,
      hint: 'service names are 1–16 characters: lowercase letters, digits and underscores, starting with a letter',
    });
  }
  return name;
}
