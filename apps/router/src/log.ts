import type { LogEntry, RouterConfig } from './config.js';

export type Logger = (entry: Omit<LogEntry, 'time'>) => void;

function toStdout(entry: LogEntry): void {
  process.stdout.write(JSON.stringify(entry) + '\n');
}

/** One JSON line per event: time, code, host, method, path (no query), status. */
export function createLogger(config: Pick<RouterConfig, 'log'>): Logger {
  const sink = config.log ?? toStdout;
  return (entry) => sink({ time: new Date().toISOString(), ...entry });
}

/** The path without its query string: query values may hold secrets. */
export function pathOf(url: string | undefined): string {
  if (url === undefined) return '';
  const q = url.indexOf('?');
  const path = q === -1 ? url : url.slice(0, q);
  return path.length > 512 ? path.slice(0, 512) : path;
}
