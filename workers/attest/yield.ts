/**
 * Gives the event loop a turn. Rendering an org-wide PDF is seconds of synchronous work; split at
 * these points, other tenants' requests (and the health probes) are answered in between instead
 * of after it. setImmediate on Node: it runs right after pending I/O, without setTimeout's
 * millisecond floor (thousands of turns would add seconds); the Worker runtime has only setTimeout.
 */
export function yieldToEventLoop(): Promise<void> {
  if (typeof setImmediate === 'function') return new Promise((resolve) => setImmediate(resolve));
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/** Every `every`-th call yields (the first call does not): cheap enough to call once per item. */
export function yieldEvery(every: number): () => Promise<void> {
  let calls = 0;
  return async () => {
    calls += 1;
    if (calls % every === 0) await yieldToEventLoop();
  };
}
