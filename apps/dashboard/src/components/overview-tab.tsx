import type { ErrorBody } from '@paas/core';
import { useEffect, useState } from 'preact/hooks';
import { appApi } from '../api.js';
import { sortInstances } from '../app-state.js';
import { formatBytes, formatDuration, plural } from '../format.js';
import { codeServices, type TabProps } from './app-page.js';
import { DataTable } from './data-table.js';
import { ErrorAlert } from './error-alert.js';
import { Progress, useLongAction } from './progress.js';

export function OverviewTab({ name, detail, instances, reload, psError }: TabProps & { psError: ErrorBody | null }) {
  const list = sortInstances(instances);
  return (
    <>
      <h2>Instances</h2>
      <p data-testid="instance-count" data-count={String(list.length)}>
        {plural(list.length, 'instance')}
      </p>
      <ErrorAlert error={psError} />
      <DataTable columns={['Name', 'State', 'Release', 'Restarts', 'Uptime', 'CPU', 'Memory', ...(list.some((i) => i.node) ? ['Node'] : [])]} testid="instances">
        {list.map((i) => (
          <tr key={`${i.name}-${i.release}`} data-testid="instance" data-name={i.name} data-state={i.state} data-restarts={String(i.restarts)} data-release={i.release}>
            <th scope="row">{i.name}</th>
            <td>
              <span class={`state state-${i.state}`}>{i.state}</span>
              {i.exitCode !== null && i.state !== 'healthy' ? ` (exit ${i.exitCode})` : ''}
              {i.reason !== undefined && <span class="reason"> — {i.reason}</span>}
            </td>
            <td>{i.release}</td>
            <td>{i.restarts}</td>
            <td>{i.uptime === null ? '—' : formatDuration(i.uptime)}</td>
            <td>{i.cpuPercent === undefined ? '—' : `${i.cpuPercent.toFixed(1)}%`}</td>
            <td>{i.memoryBytes === undefined ? '—' : formatBytes(i.memoryBytes)}</td>
            {list.some((x) => x.node) && <td>{i.node ?? '—'}</td>}
          </tr>
        ))}
      </DataTable>
      <ScaleControls name={name} services={codeServices(detail)} scale={detail.scale} reload={reload} />
    </>
  );
}

function ScaleControls({ name, services, scale, reload }: { name: string; services: string[]; scale: Record<string, number>; reload(): void }) {
  const action = useLongAction();
  const [wanted, setWanted] = useState<Record<string, string>>({});
  useEffect(() => setWanted(Object.fromEntries(services.map((s) => [s, String(scale[s] ?? 0)]))), [scale, services.join(',')]);
  if (services.length === 0) return <p class="muted">Nothing to scale before the first push.</p>;

  const apply = async (e: Event): Promise<void> => {
    e.preventDefault();
    const body = { scale: Object.fromEntries(Object.entries(wanted).map(([s, n]) => [s, Number(n)])) };
    await action.run('POST', `${appApi(name)}/scale`, body, `scaling ${name}`);
    reload();
  };
  const restart = async (service: string): Promise<void> => {
    await action.run('POST', `${appApi(name)}/restart`, { service }, `restarting ${service}`);
    reload();
  };
  return (
    <>
      <h2>Scale</h2>
      <form class="scale" onSubmit={apply}>
        {services.map((s) => (
          <div class="field-row" key={s}>
            <label for={`scale-${s}`}>{s}</label>
            <input
              id={`scale-${s}`}
              type="number"
              min={0}
              max={64}
              step={1}
              required
              data-testid={`scale-${s}`}
              value={wanted[s] ?? ''}
              onInput={(e) => {
                const value = (e.currentTarget as HTMLInputElement).value;
                setWanted((w) => ({ ...w, [s]: value }));
              }}
            />
            <button type="button" disabled={action.running} onClick={() => void restart(s)}>
              Restart {s}
            </button>
          </div>
        ))}
        <button type="submit" class="primary" data-testid="scale-apply" disabled={action.running}>
          Apply scale
        </button>
      </form>
      <Progress action={action} />
    </>
  );
}
