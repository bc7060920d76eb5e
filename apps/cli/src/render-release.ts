import { PaasError, type PushEvent } from '@paas/core';
import type { Output } from './output.js';
import { PushRenderer } from './render-push.js';
import { PushFailed } from './render-error.js';

/**
 * Renders the events of an env change or a rollback as a push's are
 * (`--json`: each event as NDJSON on stdout). Resolves with the last event
 * (`done` or `env.stored`); an `error` event throws with its catalogue exit
 * code, with or without --json.
 */
export async function renderRelease(events: AsyncIterable<PushEvent>, out: Output, json: boolean): Promise<PushEvent> {
  const renderer = new PushRenderer(out);
  let last: PushEvent | undefined;
  for await (const event of events) {
    last = event;
    if (json) {
      out.line(JSON.stringify(event));
      if (event.type === 'error') throw new PushFailed(PaasError.fromBody(event.error), event.logs ?? []);
      continue;
    }
    renderer.render(event);
  }
  if (last === undefined) throw new PaasError('API_UNREACHABLE', 'the connection to the API was lost');
  return last;
}
