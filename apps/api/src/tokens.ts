import { createHash, randomBytes } from 'node:crypto';

/** Tokens are shown once and stored only as a sha256 hash. */
export function newToken(): string {
  return `paas_${randomBytes(24).toString('base64url')}`;
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export function newId(bytes = 6): string {
  return randomBytes(bytes).toString('hex');
}
