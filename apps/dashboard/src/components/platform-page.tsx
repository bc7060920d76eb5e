import type { ErrorBody, NodeList, PlatformInfo, UserInfo, Whoami } from '@paas/core';
import { useEffect, useState } from 'preact/hooks';
import { ApiError, api, toError } from '../api.js';
import { formatAgo, formatBytes, plural } from '../format.js';
import type { Session } from '../session.js';
import { DataTable } from './data-table.js';
import { ErrorAlert } from './error-alert.js';

type Loaded<T> = { value: T } | { error: ErrorBody } | null;

function useLoad<T>(path: string): Loaded<T> {
  const [state, setState] = useState<Loaded<T>>(null);
  useEffect(() => {
    api<T>('GET', path).then(
      (value) => setState({ value }),
      (err: unknown) => setState({ error: toError(err) }),
    );
  }, [path]);
  return state;
}

export function PlatformPage({ session }: { session: Session }) {
  if (!session.admin) {
    return <ErrorAlert error={{ code: 'FORBIDDEN', message: 'the platform view is for admins', hint: 'an admin can make you one with paas users add --admin' } as ErrorBody} />;
  }
  return <PlatformView />;
}

function PlatformView() {
  const whoami = useLoad<Whoami>('/v1/whoami');
  const platform = useLoad<PlatformInfo>('/v1/platform');
  const users = useLoad<UserInfo[]>('/v1/users');
  const nodes = useNodes();
  return (
    <section>
      <h1>Platform</h1>
      {whoami && 'value' in whoami && (
        <p class="muted">
          Signed in as {whoami.value.name}
          {whoami.value.admin ? ' (admin)' : ''}
        </p>
      )}
      <h2>Runtime and disk</h2>
      <div data-testid="images-disk">
        {platform === null && <p class="muted">Loading…</p>}
        {platform && 'error' in platform && <ErrorAlert error={platform.error} />}
        {platform && 'value' in platform && (
          <dl class="facts">
            <div>
              <dt>Version</dt>
              <dd>{platform.value.version}</dd>
            </div>
            <div>
              <dt>Runtime</dt>
              <dd>{platform.value.runtime === 'swarm' ? 'Docker Swarm' : 'Docker (one machine)'}</dd>
            </div>
            <div>
              <dt>Images</dt>
              <dd>
                {plural(platform.value.images.count, 'image')}, {formatBytes(platform.value.images.bytes)} on disk
              </dd>
            </div>
            <div>
              <dt>All images</dt>
              <dd>{formatBytes(platform.value.engineImagesBytes)} on the engine, shared layers counted once</dd>
            </div>
          </dl>
        )}
      </div>
      <h2>Users</h2>
      {users && 'error' in users && <ErrorAlert error={users.error} />}
      <DataTable columns={['Name', 'Role', 'Created']} testid="users">
        {users &&
          'value' in users &&
          users.value.map((u) => (
            <tr key={u.name} data-testid={`user-${u.name}`}>
              <th scope="row">{u.name}</th>
              <td>{u.admin ? 'admin' : 'user'}</td>
              <td title={u.createdAt}>{formatAgo(u.createdAt)}</td>
            </tr>
          ))}
      </DataTable>
      <h2>Nodes</h2>
      <div data-testid="nodes">
        {nodes === null && <p class="muted">Loading…</p>}
        {nodes && 'single' in nodes && <p>This platform runs on one machine (not on Swarm).</p>}
        {nodes && 'error' in nodes && <ErrorAlert error={nodes.error} />}
        {nodes && 'value' in nodes && (
          <DataTable columns={['Node', 'Role', 'State', 'Availability', 'CPUs', 'Memory', 'Instances', 'Data services']}>
            {nodes.value.nodes.map((n) => (
              <tr key={n.id}>
                <th scope="row">
                  {n.name}
                  {n.leader ? ' (leader)' : ''}
                </th>
                <td>{n.role}</td>
                <td>{n.state}</td>
                <td>{n.availability}</td>
                <td>{n.cpus}</td>
                <td>{formatBytes(n.memoryBytes)}</td>
                <td>{n.instances}</td>
                <td>{n.dataServices}</td>
              </tr>
            ))}
          </DataTable>
        )}
      </div>
    </section>
  );
}

/** GET /v1/nodes answers 409 NOT_ON_SWARM on a one-machine platform: that is a fact to show, not an error. */
function useNodes(): { value: NodeList } | { error: ErrorBody } | { single: true } | null {
  const [state, setState] = useState<{ value: NodeList } | { error: ErrorBody } | { single: true } | null>(null);
  useEffect(() => {
    api<NodeList>('GET', '/v1/nodes').then(
      (value) => setState({ value }),
      (err: unknown) => setState(err instanceof ApiError && err.body.code === 'NOT_ON_SWARM' ? { single: true } : { error: toError(err) }),
    );
  }, []);
  return state;
}
