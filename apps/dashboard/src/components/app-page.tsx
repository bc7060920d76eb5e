import type { AppDetail, ErrorBody, InstanceInfo } from '@paas/core';
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { api, appApi, toError } from '../api.js';
import { appPath, TABS, type Tab } from '../route.js';
import { usePs } from '../use-ps.js';
import { DomainsTab } from './domains-tab.js';
import { EnvTab } from './env-tab.js';
import { ErrorAlert } from './error-alert.js';
import { Link } from './link.js';
import { LogsTab } from './logs-tab.js';
import { OverviewTab } from './overview-tab.js';
import { ReleasesTab } from './releases-tab.js';
import { ServicesTab } from './services-tab.js';
import { TerminalTab } from './terminal-tab.js';

const TAB_LABELS: Record<Tab, string> = {
  overview: 'Overview',
  logs: 'Logs',
  releases: 'Releases',
  env: 'Env',
  services: 'Services',
  domains: 'Domains',
  terminal: 'Terminal',
};

/** What every tab gets: the app as last read, its live instances, and a way to read it again after a change. */
export interface TabProps {
  name: string;
  detail: AppDetail;
  instances: InstanceInfo[];
  reload(): void;
}

export function codeServices(detail: AppDetail): string[] {
  const fromSpec = Object.values(detail.spec?.services ?? {})
    .filter((s) => s.kind === 'code')
    .map((s) => s.name);
  return [...new Set([...fromSpec, ...Object.keys(detail.scale)])];
}

export function AppPage({ name, tab }: { name: string; tab: Tab }) {
  const [detail, setDetail] = useState<AppDetail | null>(null);
  const [error, setError] = useState<ErrorBody | null>(null);

  const reload = useCallback(() => {
    api<AppDetail>('GET', appApi(name)).then(
      (d) => {
        setDetail(d);
        setError(null);
      },
      (err: unknown) => setError(toError(err)),
    );
  }, [name]);
  useEffect(reload, [reload]);

  const ps = usePs(name, detail?.instances ?? null);
  const instances = ps.instances ?? [];
  // A scale, deploy or rollback made elsewhere (the CLI) shows first in the instances: read the app
  // again then, and once more when they have been still for a second (the API stores the new scale
  // just after the last instance became healthy), so that its release and scale follow without a reload.
  const shape = instances.map((i) => `${i.name}@${i.release}:${i.state}`).sort().join(' ');
  const seenShape = useRef<string | null>(null);
  useEffect(() => {
    if (ps.instances === null) return;
    const changed = seenShape.current !== null && seenShape.current !== shape;
    seenShape.current = shape;
    if (!changed) return;
    reload();
    const settled = setTimeout(reload, 1_000);
    return () => clearTimeout(settled);
  }, [shape, reload, ps.instances === null]);

  useEffect(() => {
    document.title = `${name} · paas`;
    return () => void (document.title = 'paas');
  }, [name]);

  return (
    <section>
      <h1 data-testid="app-title">{name}</h1>
      {detail && (
        <p class="muted app-meta">
          <a href={detail.url} target="_blank" rel="noopener noreferrer">
            {detail.url}
          </a>{' '}
          · {detail.release ?? 'not deployed yet'} · owner {detail.owner}
        </p>
      )}
      <ErrorAlert error={error} />
      {detail && (
        <>
          <nav class="tabs" aria-label="App">
            {TABS.map((t) => (
              <Link key={t} href={appPath(name, t)} data-testid={`tab-${t}`} aria-current={t === tab ? 'page' : undefined}>
                {TAB_LABELS[t]}
              </Link>
            ))}
          </nav>
          {tab === 'overview' && <OverviewTab name={name} detail={detail} instances={instances} reload={reload} psError={ps.error} />}
          {tab === 'logs' && <LogsTab name={name} detail={detail} instances={instances} reload={reload} />}
          {tab === 'releases' && <ReleasesTab name={name} detail={detail} instances={instances} reload={reload} />}
          {tab === 'env' && <EnvTab name={name} detail={detail} instances={instances} reload={reload} />}
          {tab === 'services' && <ServicesTab name={name} detail={detail} instances={instances} reload={reload} />}
          {tab === 'domains' && <DomainsTab name={name} detail={detail} instances={instances} reload={reload} />}
          {tab === 'terminal' && <TerminalTab name={name} detail={detail} instances={instances} reload={reload} />}
        </>
      )}
    </section>
  );
}
