import type { DataServiceInfo, ErrorBody } from '@paas/core';
import { useCallback, useEffect, useState } from 'preact/hooks';
import { api, appApi, toError } from '../api.js';
import { MASK, maskEnvValue, maskValue } from '../mask.js';
import type { TabProps } from './app-page.js';
import { ErrorAlert } from './error-alert.js';

export function ServicesTab({ name }: TabProps) {
  const [services, setServices] = useState<DataServiceInfo[] | null>(null);
  const [error, setError] = useState<ErrorBody | null>(null);

  const load = useCallback(() => {
    api<DataServiceInfo[]>('GET', `${appApi(name)}/services`).then(setServices, (err: unknown) => setError(toError(err)));
  }, [name]);
  useEffect(load, [load]);

  if (error) return <ErrorAlert error={error} />;
  if (services === null) return <p class="muted">Loading…</p>;
  if (services.length === 0) return <p class="muted">No data services: a service of type postgresql, mysql, redis … in paas.yml adds one.</p>;
  return (
    <div class="cards">
      {services.map((s) => (
        <ServiceCard key={s.name} app={name} service={s} />
      ))}
    </div>
  );
}

/**
 * The list comes with secrets masked by the API; revealing asks for this one
 * service again with `?secrets=1`, so nothing secret is in the page before.
 */
function ServiceCard({ app, service }: { app: string; service: DataServiceInfo }) {
  const [secret, setSecret] = useState<DataServiceInfo | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ErrorBody | null>(null);
  const shown = secret ?? service;
  const revealed = secret !== null;

  const toggle = async (): Promise<void> => {
    if (revealed) return setSecret(null);
    setBusy(true);
    try {
      setSecret(await api<DataServiceInfo>('GET', `${appApi(app)}/services/${encodeURIComponent(service.name)}?secrets=1`));
      setError(null);
    } catch (err) {
      setError(toError(err));
    }
    setBusy(false);
  };

  const fields: [string, string][] = [
    ['Type', shown.type],
    ['Status', shown.status + (shown.inSpec ? '' : ' (no longer in paas.yml)')],
    ['Host', `${shown.host}:${shown.port}`],
    ['Login', shown.login],
    ['Password', revealed ? shown.password : MASK],
    ['Database', shown.database],
    ['URL', revealed ? shown.url : maskValue(shown.url)],
  ];
  if (shown.node) fields.push(['Node', shown.node]);
  return (
    <article class="card" data-testid={`service-${service.name}`}>
      <h2>{service.name}</h2>
      <dl>
        {fields.map(([k, v]) => (
          <div key={k}>
            <dt>{k}</dt>
            <dd>
              <code>{v}</code>
            </dd>
          </div>
        ))}
      </dl>
      <details>
        <summary>Variables the app's instances get</summary>
        <div class="table-wrap">
          <table>
            <tbody>
              {Object.entries(shown.env).map(([k, v]) => (
                <tr key={k}>
                  <th scope="row">
                    <code>{k}</code>
                  </th>
                  <td class="value">
                    <code>{revealed ? v : maskEnvValue(k, v)}</code>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </details>
      <button type="button" data-testid={`reveal-service-${service.name}`} aria-pressed={revealed} disabled={busy} onClick={() => void toggle()}>
        {revealed ? 'Hide secrets' : 'Reveal secrets'}
      </button>
      <ErrorAlert error={error} />
    </article>
  );
}
