import type { AppDetail, AppInfo, ErrorBody } from '@paas/core';
import { useEffect, useState } from 'preact/hooks';
import { api, appApi, toError } from '../api.js';
import { appState } from '../app-state.js';
import { formatAgo, plural } from '../format.js';
import { DataTable } from './data-table.js';
import { ErrorAlert } from './error-alert.js';
import { Link } from './link.js';

/** How often the list refreshes while it is shown. */
const REFRESH_MS = 5_000;

interface Row {
  app: AppInfo;
  detail: AppDetail | null;
}

export function AppsList() {
  const [rows, setRows] = useState<Row[] | null>(null);
  const [error, setError] = useState<ErrorBody | null>(null);

  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const load = async (): Promise<void> => {
      try {
        const apps = await api<AppInfo[]>('GET', '/v1/apps');
        // An app destroyed between the two calls keeps its row without details.
        const details = await Promise.all(apps.map((a) => api<AppDetail>('GET', appApi(a.name)).catch(() => null)));
        if (stopped) return;
        setRows(apps.map((app, i) => ({ app, detail: details[i] ?? null })));
        setError(null);
      } catch (err) {
        if (!stopped) setError(toError(err));
      }
      if (!stopped) timer = setTimeout(() => void load(), REFRESH_MS);
    };
    void load();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, []);

  return (
    <section>
      <h1>Apps</h1>
      <ErrorAlert error={error} />
      {rows === null ? (
        !error && <p class="muted">Loading…</p>
      ) : rows.length === 0 ? (
        <p data-testid="apps">
          No apps yet. Create one with <code>paas create NAME</code>, then <code>paas push</code>.
        </p>
      ) : (
        <DataTable columns={['Name', 'URL', 'State', 'Release', 'Instances', 'Last deploy']} wrapTestid="apps">
          {rows.map(({ app, detail }) => {
            const active = detail?.releases.find((r) => r.status === 'active');
            const instances = detail?.instances.filter((i) => i.state !== 'stopped') ?? [];
            return (
              <tr key={app.name} data-testid={`app-row-${app.name}`}>
                <th scope="row">
                  <Link href={`/apps/${encodeURIComponent(app.name)}`}>{app.name}</Link>
                </th>
                <td>
                  {app.release ? (
                    <a href={app.url} target="_blank" rel="noopener noreferrer">
                      {app.url}
                    </a>
                  ) : (
                    <span class="muted">{app.url}</span>
                  )}
                </td>
                <td>{detail ? appState(detail) : '—'}</td>
                <td>{app.release ?? '—'}</td>
                <td>{detail ? plural(instances.length, 'instance') : '—'}</td>
                <td>{active ? formatAgo(active.createdAt) : '—'}</td>
              </tr>
            );
          })}
        </DataTable>
      )}
    </section>
  );
}
