import type { EvaluationQueue, Principal, Role, ServiceDeps } from '../services/deps.ts';

export { ROLES } from '../services/deps.ts';
export type { EvaluationQueue, Principal, Role };

/** Everything a request handler may use. Both runtimes build it and call `createApp(deps)`. */
export interface Deps extends ServiceDeps {
  /** Swagger UI's files for /docs (read from swagger-ui-dist on Node, static assets in the Worker). */
  docsAsset: (name: 'swagger-ui.css' | 'swagger-ui-bundle.js') => Promise<string | null>;
}

export type AppEnv = {
  Variables: {
    deps: Deps;
    requestId: string;
    principal: Principal;
  };
};
