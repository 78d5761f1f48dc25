/**
 * Gives the event loop a turn. Rendering an org-wide PDF is seconds of synchronous work; split at
 * these points, other tenants' requests (and the health probes) are answered in between instead
 * of after it. setTimeout, not setImmediate: the Worker runtime has only the former.
 */
export function yieldToEventLoop(): Promise<void> {
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
