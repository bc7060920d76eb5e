/** The pages of the dashboard, from the location's path. */
export const TABS = ['overview', 'logs', 'releases', 'env', 'services', 'domains', 'terminal'] as const;
export type Tab = (typeof TABS)[number];

export type Route =
  | { page: 'apps' }
  | { page: 'app'; name: string; tab: Tab }
  | { page: 'platform' }
  | { page: 'not-found'; path: string };

function isTab(text: string): text is Tab {
  return (TABS as readonly string[]).includes(text);
}

function decode(part: string): string | null {
  try {
    return decodeURIComponent(part);
  } catch {
    return null;
  }
}

export function parseRoute(path: string): Route {
  const parts = path.split('?')[0]!.split('#')[0]!.split('/').filter((p) => p !== '');
  if (parts.length === 0) return { page: 'apps' };
  if (parts.length === 1 && parts[0] === 'platform') return { page: 'platform' };
  if (parts[0] === 'apps' && (parts.length === 2 || parts.length === 3)) {
    const name = decode(parts[1]!);
    const tab = parts[2] ?? 'overview';
    if (name !== null && name !== '' && isTab(tab)) return { page: 'app', name, tab };
  }
  return { page: 'not-found', path };
}

export function appPath(name: string, tab: Tab = 'overview'): string {
  const base = `/apps/${encodeURIComponent(name)}`;
  return tab === 'overview' ? base : `${base}/${tab}`;
}
