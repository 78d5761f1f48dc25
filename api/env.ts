import type { KeyCache } from './key-cache.ts';
import type { Context } from 'hono';
import type { EvaluationQueue, Principal, Role, ServiceDeps } from '../services/deps.ts';
import type { RateLimits } from './rate-limit.ts';
import type { Semaphore } from './concurrency.ts';

export { ROLES } from '../services/deps.ts';
export type { EvaluationQueue, Principal, Role };

/** Everything a request handler may use. Both runtimes build it and call `createApp(deps)`. */
export interface Deps extends ServiceDeps {
  /** Swagger UI's files for /docs (read from swagger-ui-dist on Node, static assets in the Worker). */
  docsAsset: (name: 'swagger-ui.css' | 'swagger-ui-bundle.js') => Promise<string | null>;
  /** This process's (or isolate's) rate-limit buckets: created once, shared by every request. */
  limits: RateLimits;
  /** Attestation exports in flight in this process (EXPORT_CONCURRENCY at once, the rest queued). */
  exports: Semaphore;
  /** The client's address as the runtime knows it (the socket on Node, Cloudflare's header on Workers). */
  clientAddress: (c: Context<AppEnv>) => string | null;
}

export type AppEnv = {
  Variables: {
    deps: Deps;
    requestId: string;
    principal: Principal;
    /** The app's cache of API key lookups (api/key-cache.ts). */
    keyCache: KeyCache;
  };
};
