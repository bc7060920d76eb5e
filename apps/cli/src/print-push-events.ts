import { PaasError, type PushEvent } from '@paas/core';
import type { Output } from './output.js';
import { PushFailed } from './render-error.js';

/**
 * `paas push --json`: each event exactly as the API sent it, one JSON object
 * per line on stdout, for CI. Resolves with the `done` event; an `error`
 * event is printed, then thrown, so the exit code is the same as without
 * --json.
 */
export async function printPushEvents(events: AsyncIterable<PushEvent>, out: Output): Promise<Extract<PushEvent, { type: 'done' }>> {
  let done: Extract<PushEvent, { type: 'done' }> | undefined;
  for await (const event of events) {
    out.line(JSON.stringify(event));
    if (event.type === 'done') done = event;
    if (event.type === 'error') throw new PushFailed(PaasError.fromBody(event.error), event.logs ?? []);
  }
  if (done !== undefined) return done;
  throw new PaasError('API_UNREACHABLE', 'the connection to the API was lost', {
    hint: 'the push may still finish or fail on the server: check paas info once the API is back',
  });
}
