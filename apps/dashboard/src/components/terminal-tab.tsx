import type { ErrorBody } from '@paas/core';
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, appApi, getCsrf, socketUrl, toError } from '../api.js';
import type { TerminalSession } from '../terminal.js';
import type { TabProps } from './app-page.js';
import { ErrorAlert } from './error-alert.js';

type Status = { kind: 'closed' } | { kind: 'connecting' } | { kind: 'running'; instance: string } | { kind: 'exited'; code: number } | { kind: 'failed' };

export function TerminalTab({ name, detail }: TabProps) {
  const services = Object.values(detail.spec?.services ?? {})
    .sort((a, b) => (a.kind === b.kind ? 0 : a.kind === 'code' ? -1 : 1))
    .map((s) => s.name);
  const [service, setService] = useState(services[0] ?? '');
  const [session, setSession] = useState<{ service: string; n: number } | null>(null);
  const [status, setStatus] = useState<Status>({ kind: 'closed' });
  const [error, setError] = useState<ErrorBody | null>(null);
  const box = useRef<HTMLDivElement>(null);

  useEffect(() => {
    const el = box.current;
    if (!session || !el) return;
    let term: TerminalSession | null = null;
    let cancelled = false;
    setStatus({ kind: 'connecting' });
    setError(null);
    // xterm is most of the bundle: it loads only when a terminal opens.
    import('../terminal.js').then(
      ({ openTerminal }) => {
        if (cancelled) return;
        const urlFor = (cols: number, rows: number): string => {
          const q = new URLSearchParams({ service: session.service, tty: '1', cols: String(cols), rows: String(rows), term: 'xterm-256color', csrf: getCsrf() });
          return socketUrl(`${appApi(name)}/run?${q.toString()}`);
        };
        term = openTerminal(el, urlFor, {
          started: (instance) => setStatus({ kind: 'running', instance }),
          exited: (code) => setStatus({ kind: 'exited', code }),
          failed: (err, opened) => {
            setStatus({ kind: 'failed' });
            if (err) return setError(err);
            if (opened) return setError({ code: 'API_UNREACHABLE', message: 'the connection to the API was lost before the command ended' } as ErrorBody);
            // A refusal before the upgrade is not visible to a WebSocket: ask the app once to learn why.
            api('GET', appApi(name)).then(
              () => setError({ code: 'API_UNREACHABLE', message: `the terminal of ${session.service} could not be opened` } as ErrorBody),
              (e: unknown) => setError(toError(e)),
            );
          },
        });
      },
      (err: unknown) => {
        setStatus({ kind: 'failed' });
        setError({ code: 'INTERNAL', message: `the terminal could not load (${String(err)})` } as ErrorBody);
      },
    );
    return () => {
      cancelled = true;
      term?.close();
    };
  }, [session, name]);

  const close = (): void => {
    setSession(null);
    setStatus({ kind: 'closed' });
  };

  if (services.length === 0) return <p class="muted">Nothing runs before the first push.</p>;
  return (
    <>
      <div class="toolbar">
        <label for="terminal-service">Service</label>
        <select id="terminal-service" value={service} onChange={(e) => setService((e.currentTarget as HTMLSelectElement).value)}>
          {services.map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </select>
        <button type="button" class="primary" data-testid="terminal-open" onClick={() => setSession((s) => ({ service, n: (s?.n ?? 0) + 1 }))}>
          {session ? 'Open again' : 'Open a shell'}
        </button>
        {session && (
          <button type="button" data-testid="terminal-close" onClick={close}>
            Close
          </button>
        )}
        <span class="muted" role="status">
          {status.kind === 'connecting' && 'connecting…'}
          {status.kind === 'running' && `connected to ${status.instance}`}
          {status.kind === 'exited' && `exited with ${status.code}`}
        </span>
      </div>
      <ErrorAlert error={error} />
      {session && <div class="terminal" data-testid="terminal" ref={box} key={session.n} />}
    </>
  );
}
