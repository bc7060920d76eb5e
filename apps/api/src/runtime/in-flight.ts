/**
 * One run of `make` per key at a time: callers that come while it runs get
 * the same promise (the engine allows two networks of one name, so
 * concurrent creations of an app's network must be one).
 */
export function sharedInFlight<K>(inFlight: Map<K, Promise<void>>, key: K, make: () => Promise<void>): Promise<void> {
  const running = inFlight.get(key);
  if (running) return running;
  const started = make().finally(() => inFlight.delete(key));
  inFlight.set(key, started);
  return started;
}
