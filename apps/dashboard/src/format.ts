import type { PushEvent } from '@paas/core';

/** 3s, 4m 05s, 2h 03m, 5d 04h. */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  if (s < 60) return `${s}s`;
  const pad = (n: number): string => String(n).padStart(2, '0');
  if (s < 3600) return `${Math.floor(s / 60)}m ${pad(s % 60)}s`;
  if (s < 86400) return `${Math.floor(s / 3600)}h ${pad(Math.floor((s % 3600) / 60))}m`;
  return `${Math.floor(s / 86400)}d ${pad(Math.floor((s % 86400) / 3600))}h`;
}

/** `5m 02s ago` from an ISO time. */
export function formatAgo(iso: string, now = Date.now()): string {
  const at = Date.parse(iso);
  return Number.isFinite(at) ? `${formatDuration((now - at) / 1000)} ago` : iso;
}

export function formatBytes(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let n = bytes;
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return `${i === 0 ? n : n.toFixed(1)} ${units[i]}`;
}

export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** One progress line per event, as `paas` prints them. */
export function formatEvent(e: PushEvent): string {
  switch (e.type) {
    case 'push.accepted':
      return `-----> accepted (build ${e.build})`;
    case 'build.step':
    case 'deploy.step':
      return `-----> ${e.service}: ${e.step}`;
    case 'build.stage':
      return `-----> ${e.service}: ${e.title}${e.cached ? ' (cached)' : ''}`;
    case 'build.stage.done':
      return `       ${e.service}: ${e.title} done in ${(e.ms / 1000).toFixed(1)}s`;
    case 'log':
      return `       ${e.service ? `${e.service}: ` : ''}${e.line}`;
    case 'warning':
      return ` !     warning: ${e.message}`;
    case 'deploy.instance':
      return `       ${e.instance} ${e.state}`;
    case 'deploy.switch':
      return `-----> ${e.service}: switched to ${e.release} (${plural(e.targets, 'instance')})`;
    case 'done':
      return `-----> done: ${e.release}${e.note ? ` (${e.note})` : ''}`;
    case 'env.stored':
      return `-----> ${e.note}`;
    case 'converged':
      return `-----> ${e.release}: ${Object.entries(e.scale).map(([s, n]) => `${s}=${n}`).join(' ')}`;
    case 'node.drained':
      return `-----> ${e.node} drained${e.moved.length ? `: moved ${e.moved.join(', ')}` : ''}`;
    case 'error':
      return ` !     ${e.error.code}: ${e.error.message}`;
  }
}
