import type { BuildLogAnswer, ErrorBody, ReleaseInfo } from '@paas/core';
import { useState } from 'preact/hooks';
import { api, appApi, toError } from '../api.js';
import { formatAgo } from '../format.js';
import type { TabProps } from './app-page.js';
import { ConfirmDialog } from './confirm-dialog.js';
import { DataTable } from './data-table.js';
import { ErrorAlert } from './error-alert.js';
import { Progress, useLongAction } from './progress.js';

/** A release one can go back to: it ran once and is not running now. */
function canRollBack(r: ReleaseInfo): boolean {
  return r.status === 'superseded';
}

export function ReleasesTab({ name, detail, reload }: TabProps) {
  const action = useLongAction();
  const [asking, setAsking] = useState<ReleaseInfo | null>(null);
  const [log, setLog] = useState<{ release: string; answer: BuildLogAnswer | null; error: ErrorBody | null } | null>(null);

  const rollBack = async (): Promise<void> => {
    const target = asking;
    setAsking(null);
    if (!target) return;
    await action.run('POST', `${appApi(name)}/rollback`, { to: target.id }, `rolling ${name} back to ${target.id}`);
    reload();
  };

  const showLog = (r: ReleaseInfo): void => {
    setLog({ release: r.id, answer: null, error: null });
    api<BuildLogAnswer>('GET', `${appApi(name)}/builds/${encodeURIComponent(r.build)}/log`).then(
      (answer) => setLog({ release: r.id, answer, error: null }),
      (err: unknown) => setLog({ release: r.id, answer: null, error: toError(err) }),
    );
  };

  if (detail.releases.length === 0) return <p class="muted">No release yet: <code>paas push</code> makes the first one.</p>;
  return (
    <>
      <DataTable columns={['Release', 'Status', 'What', 'By', 'When', { actions: true }]} testid="releases">
        {detail.releases.map((r) => (
          <tr key={r.id} data-testid={`release-v${r.version}`} data-status={r.status}>
            <th scope="row">{r.id}</th>
            <td>
              <span class={`status status-${r.status}`}>{r.status}</span>
            </td>
            <td>{r.description}</td>
            <td>{r.user ?? '—'}</td>
            <td title={r.createdAt}>{formatAgo(r.createdAt)}</td>
            <td class="actions">
              <button type="button" data-testid={`buildlog-v${r.version}`} onClick={() => showLog(r)}>
                Build log
              </button>
              {canRollBack(r) && (
                <button type="button" data-testid={`rollback-v${r.version}`} disabled={action.running} onClick={() => setAsking(r)}>
                  Roll back
                </button>
              )}
            </td>
          </tr>
        ))}
      </DataTable>
      <Progress action={action} />
      <ConfirmDialog open={asking !== null} title={`Roll back to ${asking?.id ?? ''}?`} confirmLabel="Roll back" onConfirm={() => void rollBack()} onCancel={() => setAsking(null)}>
        <p>
          {name} will run the images, env and spec of {asking?.id} again; its instances are replaced once the new ones are healthy.
        </p>
      </ConfirmDialog>
      {log && (
        <section class="build-log">
          <h2>
            Build and deploy log of {log.release}
            {log.answer ? ` (build #${log.answer.build.number}, ${log.answer.build.status})` : ''}
          </h2>
          <button type="button" onClick={() => setLog(null)}>
            Close log
          </button>
          <ErrorAlert error={log.error} />
          {log.answer ? (
            <pre data-testid="buildlog" tabIndex={0}>
              {log.answer.lines.join('\n')}
            </pre>
          ) : (
            !log.error && <p class="muted">Loading…</p>
          )}
        </section>
      )}
    </>
  );
}
