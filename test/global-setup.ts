import type { TestProject } from 'vitest/node';

/**
 * Chooses the database for the whole run: DATABASE_URL when set, else the embedded PGlite.
 * Tests read the choice with `inject('databaseUrl')`.
 */
export default async function setup(project: TestProject): Promise<void> {
  const url = process.env.DATABASE_URL ?? null;
  project.provide('databaseUrl', url);
  console.log(`[test] database: ${url ? `PostgreSQL server (${url.replace(/:[^:@/]*@/, ':***@')})` : 'embedded PGlite'}`);
}

declare module 'vitest' {
  export interface ProvidedContext {
    databaseUrl: string | null;
  }
}
