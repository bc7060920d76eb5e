const DAY = 86_400_000;

/**
 * When a certificate is renewed: once a third of its lifetime is left, and
 * at the latest 30 days before it ends (a 90-day Let's Encrypt certificate:
 * 30 days before; a 6-day one: 2 days before).
 */
export function renewAt(notBefore: Date, notAfter: Date): Date {
  const lifetime = Math.max(0, notAfter.getTime() - notBefore.getTime());
  return new Date(notAfter.getTime() - Math.min(30 * DAY, lifetime / 3));
}

export function isDueForRenewal(notBefore: Date, notAfter: Date, now: Date): boolean {
  return now.getTime() >= renewAt(notBefore, notAfter).getTime();
}
