import type { CertList, DomainInfo, ErrorBody, HttpsSettings } from '@paas/core';
import { useCallback, useEffect, useState } from 'preact/hooks';
import { api, appApi, toError } from '../api.js';
import { formatAgo } from '../format.js';
import type { TabProps } from './app-page.js';
import { ConfirmDialog } from './confirm-dialog.js';
import { DataTable } from './data-table.js';
import { ErrorAlert } from './error-alert.js';

/** One year: what `paas https --hsts` sets without a value. */
const DEFAULT_HSTS = 31_536_000;

export function DomainsTab({ name }: TabProps) {
  const [domains, setDomains] = useState<DomainInfo[] | null>(null);
  const [certs, setCerts] = useState<CertList | null>(null);
  const [error, setError] = useState<ErrorBody | null>(null);
  const [busy, setBusy] = useState(false);
  const [asking, setAsking] = useState<string | null>(null);

  const load = useCallback(() => {
    Promise.all([api<DomainInfo[]>('GET', `${appApi(name)}/domains`), api<CertList>('GET', `${appApi(name)}/certs`).catch(() => null)]).then(
      ([d, c]) => {
        setDomains(d);
        setCerts(c);
      },
      (err: unknown) => setError(toError(err)),
    );
  }, [name]);
  useEffect(load, [load]);

  const act = async (work: () => Promise<unknown>): Promise<boolean> => {
    setBusy(true);
    setError(null);
    try {
      await work();
      return true;
    } catch (err) {
      setError(toError(err));
      return false;
    } finally {
      setBusy(false);
      load();
    }
  };

  const add = async (e: Event): Promise<void> => {
    e.preventDefault();
    const form = e.currentTarget as HTMLFormElement;
    const domain = (form.elements.namedItem('domain') as HTMLInputElement).value.trim();
    if (await act(() => api('POST', `${appApi(name)}/domains`, { body: { name: domain } }))) form.reset();
  };

  const remove = async (): Promise<void> => {
    const domain = asking;
    setAsking(null);
    if (domain) await act(() => api('DELETE', `${appApi(name)}/domains/${encodeURIComponent(domain)}`));
  };

  return (
    <>
      <ErrorAlert error={error} />
      <h2>Domains</h2>
      {domains && domains.length === 0 && <p class="muted">No custom domain: the app answers at its platform URL.</p>}
      {domains && domains.length > 0 && (
        <DataTable columns={['Domain', 'Point DNS at', 'Added', { actions: true }]} testid="domains">
          {domains.map((d) => (
            <tr key={d.name} data-testid={`domain-${d.name}`}>
              <th scope="row">{d.url ? <a href={d.url}>{d.name}</a> : d.name}</th>
              <td>
                <code>{d.target}</code>
              </td>
              <td>{formatAgo(d.createdAt)}</td>
              <td class="actions">
                <button type="button" disabled={busy} onClick={() => setAsking(d.name)}>
                  Remove
                </button>
              </td>
            </tr>
          ))}
        </DataTable>
      )}
      <form class="inline-form" onSubmit={add}>
        <div class="field">
          <label for="domain">Add a domain</label>
          <input id="domain" name="domain" required placeholder="www.example.com" autocomplete="off" spellcheck={false} />
        </div>
        <button type="submit" class="primary" disabled={busy}>
          Add
        </button>
      </form>
      <h2>Certificates</h2>
      {certs ? <Certificates certs={certs} /> : <p class="muted">No certificate information.</p>}
      <Https name={name} />
      <ConfirmDialog open={asking !== null} title={`Remove ${asking ?? ''}?`} confirmLabel="Remove" onConfirm={() => void remove()} onCancel={() => setAsking(null)}>
        <p>Requests for {asking} stop reaching {name} at once.</p>
      </ConfirmDialog>
    </>
  );
}

function Certificates({ certs }: { certs: CertList }) {
  const rows = [...certs.certificates, certs.platform];
  return (
    <>
      <DataTable columns={['Host', 'Source', 'Status', 'Issuer', 'Expires']} testid="certs">
        {rows.map((c) => (
          <tr key={`${c.source}-${c.host}`}>
            <th scope="row">{c.host}</th>
            <td>{c.source}</td>
            <td>
              {c.status}
              {c.message ? ` (${c.message})` : ''}
            </td>
            <td>{c.issuer ?? '—'}</td>
            <td>{c.notAfter ? new Date(c.notAfter).toLocaleDateString() : '—'}</td>
          </tr>
        ))}
      </DataTable>
      {!certs.acme && <p class="muted">ACME is not configured (PAAS_ACME_EMAIL): custom domains get no certificate by themselves.</p>}
    </>
  );
}

function Https({ name }: { name: string }) {
  const [settings, setSettings] = useState<HttpsSettings | null>(null);
  const [error, setError] = useState<ErrorBody | null>(null);
  const [saved, setSaved] = useState(false);
  useEffect(() => {
    api<HttpsSettings>('GET', `${appApi(name)}/https`).then(setSettings, (err: unknown) => setError(toError(err)));
  }, [name]);

  const save = async (e: Event): Promise<void> => {
    e.preventDefault();
    const form = e.currentTarget as HTMLFormElement;
    const redirect = (form.elements.namedItem('https-redirect') as HTMLInputElement).checked;
    const hsts = (form.elements.namedItem('https-hsts') as HTMLInputElement).value.trim();
    setSaved(false);
    try {
      setSettings(await api<HttpsSettings>('PUT', `${appApi(name)}/https`, { body: { redirect, hstsMaxAge: hsts === '' ? null : Number(hsts) } }));
      setError(null);
      setSaved(true);
    } catch (err) {
      setError(toError(err));
    }
  };

  return (
    <>
      <h2>HTTPS</h2>
      <ErrorAlert error={error} />
      {settings && (
        <form class="inline-form" onSubmit={save} key={`${settings.redirect}-${settings.hstsMaxAge}`}>
          <div class="field check">
            <input id="https-redirect" name="https-redirect" type="checkbox" defaultChecked={settings.redirect} />
            <label for="https-redirect">Redirect plain HTTP to HTTPS</label>
          </div>
          <div class="field">
            <label for="https-hsts">HSTS max-age (seconds, empty for none)</label>
            <input id="https-hsts" name="https-hsts" type="number" min={0} placeholder={String(DEFAULT_HSTS)} defaultValue={settings.hstsMaxAge === null ? '' : String(settings.hstsMaxAge)} />
          </div>
          <button type="submit">Save HTTPS</button>
          {saved && <span class="muted" role="status">Saved.</span>}
        </form>
      )}
    </>
  );
}
