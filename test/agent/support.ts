/**
 * The service for agent tests: the real API (startHarness) served over HTTP on 127.0.0.1,
 * which can be stopped and started again on the same port to play an outage.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import type { Harness } from '../support/harness.ts';

export interface ServedApi {
  url: string;
  port: number;
  stop(): Promise<void>;
  start(): Promise<void>;
}

export async function serveApi(h: Harness): Promise<ServedApi> {
  let server: Server | null = null;
  let port = 0;
  const start = async () => {
    if (server) return;
    const s = await new Promise<Server>((resolve, reject) => {
      const created = serve({ fetch: h.app.fetch, port, hostname: '127.0.0.1' }, () => resolve(created as Server)) as Server;
      created.once('error', reject);
    });
    port = (s.address() as AddressInfo).port;
    server = s;
  };
  await start();
  return {
    get url() {
      return `http://127.0.0.1:${port}`;
    },
    get port() {
      return port;
    },
    start,
    async stop() {
      const s = server;
      server = null;
      if (!s) return;
      s.closeAllConnections();
      await new Promise<void>((resolve) => s.close(() => resolve()));
    },
  };
}

export interface ListedSnapshot {
  id: string;
  workload: string;
  observedAt: string;
  ci: Record<string, string> | null;
  controls: { id: string; status: string }[];
}

/** Every snapshot of the team, through the public API (all pages). */
export async function listSnapshots(h: Harness, team: string, query = ''): Promise<ListedSnapshot[]> {
  const items: ListedSnapshot[] = [];
  let cursor: string | null = null;
  for (let page = 0; page < 100; page++) {
    const qs = new URLSearchParams(query);
    qs.set('limit', '200');
    if (cursor) qs.set('cursor', cursor);
    const res = await h.request(`/v1/teams/${team}/snapshots?${qs}`);
    if (res.status !== 200) throw new Error(`listing failed: ${res.status} ${await res.text()}`);
    const body = (await res.json()) as { items: ListedSnapshot[]; nextCursor: string | null };
    items.push(...body.items);
    cursor = body.nextCursor;
    if (!cursor) break;
  }
  return items;
}

/** How many stored snapshots carry each Idempotency-Key (the agent names it in `ci.idempotencyId`). */
export function countByKey(snapshots: readonly ListedSnapshot[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const s of snapshots) {
    const key = s.ci?.idempotencyId ?? '(none)';
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}
