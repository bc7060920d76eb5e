import type { PushEvent } from '@paas/core';
import type { Output } from './output.js';
import { PushRenderer } from './render-push.js';

/** Renders a scale or restart stream; resolves with the scale in force at the end. */
export async function renderOperation(events: AsyncIterable<PushEvent>, out: Output, json: boolean): Promise<Record<string, number>> {
  const renderer = new PushRenderer(out);
  for await (const event of events) {
    if (json) {
      out.line(JSON.stringify(event));
      if (event.type === 'error') renderer.render(event); // throws with the catalogue's exit code
      if (event.type === 'converged') return event.scale;
      continue;
    }
    if (event.type === 'converged') {
      out.step(`Scale of ${event.release}: ${formatScale(event.scale)}`);
      return event.scale;
    }
    renderer.render(event);
  }
  return {};
}

export function formatScale(scale: Record<string, number>): string {
  const parts = Object.entries(scale).map(([s, n]) => `${s}=${n}`);
  return parts.length === 0 ? '(none)' : parts.join(' ');
}
