import type { ErrorBody, LogServerFrame } from '@paas/core';
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, appApi, getCsrf, socketUrl, toError } from '../api.js';
import { filterOptions, logQuery } from '../log-filter.js';
import { codeServices, type TabProps } from './app-page.js';
import { ErrorAlert } from './error-alert.js';

/** Lines kept in the panel; older ones scroll out. */
const MAX_LINES = 2_000;

interface Line {
  id: number;
  instance: string;
  stream: 'stdout' | 'stderr';
  text: string;
}

export function LogsTab({ name, detail, instances }: TabProps) {
  const [filter, setFilter] = useState('');
  const [lines, setLines] = useState<Line[]>([]);
  const [status, setStatus] = useState('connecting');
  const [error, setError] = useState<ErrorBody | null>(null);
  const [attempt, setAttempt] = useState(0);
  const panel = useRef<HTMLDivElement>(null);
  const stick = useRef(true);

  useEffect(() => {
    setLines([]);
    setError(null);
    setStatus('connecting');
    let nextId = 0;
    let opened = false;
    let closedByUs = false;
    const ws = new WebSocket(socketUrl(`${appApi(name)}/logs?${logQuery(filter, getCsrf())}`));
    ws.onopen = () => {
      opened = true;
      setStatus('following');
    };
    ws.onmessage = (e) => {
      if (typeof e.data !== 'string') return;
      let frame: LogServerFrame;
      try {
        frame = JSON.parse(e.data) as LogServerFrame;
      } catch {
        return;
      }
      if ('type' in frame) {
        if (frame.type === 'error') setError(frame.error);
        else setStatus('ended');
        return;
      }
      const line: Line = { id: nextId++, instance: frame.instance, stream: frame.stream, text: frame.text };
      setLines((old) => (old.length >= MAX_LINES ? [...old.slice(old.length - MAX_LINES + 1), line] : [...old, line]));
    };
    ws.onclose = () => {
      if (closedByUs) return;
      setStatus((now) => (now === 'ended' ? now : 'disconnected'));
      // A refusal before the upgrade is not visible to a WebSocket: ask the app once to learn why (401, 404 …).
      if (!opened) {
        api('GET', appApi(name)).then(
          () => setError({ code: 'API_UNREACHABLE', message: 'the log stream could not be opened' } as ErrorBody),
          (err: unknown) => setError(toError(err)),
        );
      }
    };
    return () => {
      closedByUs = true;
      ws.close();
    };
  }, [name, filter, attempt]);

  // Follows the newest line unless the reader scrolled up.
  useEffect(() => {
    const el = panel.current;
    if (el && stick.current) el.scrollTop = el.scrollHeight;
  }, [lines]);

  const options = filterOptions(codeServices(detail), instances.map((i) => i.name));
  return (
    <>
      <div class="toolbar">
        <label for="logs-filter">Show</label>
        <select id="logs-filter" data-testid="logs-filter" value={filter} onChange={(e) => setFilter((e.currentTarget as HTMLSelectElement).value)}>
          {options.map((o) => (
            <option key={o.value} value={o.value}>
              {o.label}
            </option>
          ))}
        </select>
        <span class="muted" aria-live="polite">
          {status}
        </span>
        {(status === 'disconnected' || status === 'ended') && (
          <button type="button" onClick={() => setAttempt((n) => n + 1)}>
            Reconnect
          </button>
        )}
        <button type="button" onClick={() => setLines([])}>
          Clear
        </button>
      </div>
      <ErrorAlert error={error} />
      <div
        class="console logs"
        data-testid="logs"
        ref={panel}
        tabIndex={0}
        aria-label="Log lines"
        onScroll={(e) => {
          const el = e.currentTarget as HTMLDivElement;
          stick.current = el.scrollHeight - el.scrollTop - el.clientHeight < 24;
        }}
      >
        {lines.map((l) => (
          <div key={l.id} data-testid="log-line" class={l.stream === 'stderr' ? 'stderr' : undefined}>
            <span class="prefix">{l.instance}</span> {l.text}
          </div>
        ))}
      </div>
    </>
  );
}
