import type { AppEnv, ErrorBody } from '@paas/core';
import { useCallback, useEffect, useState } from 'preact/hooks';
import { api, appApi, toError } from '../api.js';
import { MASK } from '../mask.js';
import type { TabProps } from './app-page.js';
import { ConfirmDialog } from './confirm-dialog.js';
import { DataTable } from './data-table.js';
import { ErrorAlert } from './error-alert.js';
import { Progress, useLongAction } from './progress.js';

export function EnvTab({ name, reload }: TabProps) {
  const [env, setEnv] = useState<AppEnv | null>(null);
  const [error, setError] = useState<ErrorBody | null>(null);
  const [revealed, setRevealed] = useState<Set<string>>(new Set());
  const [asking, setAsking] = useState<string | null>(null);
  const action = useLongAction();

  const load = useCallback(() => {
    api<AppEnv>('GET', `${appApi(name)}/env`).then(
      (e) => {
        setEnv(e);
        setError(null);
      },
      (err: unknown) => setError(toError(err)),
    );
  }, [name]);
  useEffect(load, [load]);

  const change = async (body: { set?: Record<string, string>; unset?: string[] }, title: string): Promise<boolean> => {
    const ok = await action.run('PATCH', `${appApi(name)}/env`, body, title);
    load();
    reload();
    return ok;
  };

  const save = async (e: Event): Promise<void> => {
    e.preventDefault();
    const form = e.currentTarget as HTMLFormElement;
    const key = (form.elements.namedItem('env-name') as HTMLInputElement).value.trim();
    const value = (form.elements.namedItem('env-value') as HTMLInputElement).value;
    if (key === '') return;
    if (await change({ set: { [key]: value } }, `setting ${key}`)) form.reset();
  };

  const unset = async (): Promise<void> => {
    const key = asking;
    setAsking(null);
    if (key) await change({ unset: [key] }, `unsetting ${key}`);
  };

  const toggle = (key: string): void =>
    setRevealed((s) => {
      const next = new Set(s);
      if (!next.delete(key)) next.add(key);
      return next;
    });

  const names = env ? Object.keys(env.env).sort() : [];
  return (
    <>
      <ErrorAlert error={error} />
      {env && env.undeployed.length > 0 && (
        <p class="note">Stored but not deployed yet: {env.undeployed.join(', ')}. The next push or env change deploys them.</p>
      )}
      <DataTable columns={['Name', 'Value', { actions: true }]} testid="env">
        {names.map((k) => {
          const shown = revealed.has(k);
          return (
            <tr key={k} data-testid={`env-row-${k}`}>
              <th scope="row">
                <code>{k}</code>
              </th>
              <td class="value">
                <code>{shown ? env!.env[k] : MASK}</code>
              </td>
              <td class="actions">
                <button type="button" data-testid={`reveal-${k}`} aria-pressed={shown} onClick={() => toggle(k)}>
                  {shown ? 'Hide' : 'Reveal'}
                </button>
                <button type="button" data-testid={`unset-${k}`} disabled={action.running} onClick={() => setAsking(k)}>
                  Unset
                </button>
              </td>
            </tr>
          );
        })}
        {env && names.length === 0 && (
          <tr>
            <td colSpan={3} class="muted">
              No variables set.
            </td>
          </tr>
        )}
      </DataTable>
      <h2>Set a variable</h2>
      <form class="inline-form" onSubmit={save}>
        <div class="field">
          <label for="env-name">Name</label>
          <input id="env-name" name="env-name" required autocomplete="off" spellcheck={false} />
        </div>
        <div class="field">
          <label for="env-value">Value</label>
          <input id="env-value" name="env-value" type="password" autocomplete="off" spellcheck={false} />
        </div>
        <button type="submit" class="primary" data-testid="env-save" disabled={action.running}>
          Set and deploy
        </button>
      </form>
      <Progress action={action} />
      <ConfirmDialog open={asking !== null} title={`Unset ${asking ?? ''}?`} confirmLabel="Unset" onConfirm={() => void unset()} onCancel={() => setAsking(null)}>
        <p>A new release without {asking} replaces the running instances.</p>
      </ConfirmDialog>
    </>
  );
}
