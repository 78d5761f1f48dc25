/**
 * Slow and idle clients do not hold connections: the Node server (api/node-http.ts) closes a
 * connection that sends no request within HEADERS_TIMEOUT_MS and cuts a request whose body
 * trickles past REQUEST_TIMEOUT_MS, both with 408, while other clients are served. The timeouts
 * are set to one and two seconds here; nothing asserts how long anything took.
 */
import type { AddressInfo } from 'node:net';
import { connect, type Socket } from 'node:net';
import type { ServerType } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveNode } from '../../api/node-http.ts';
import { ADMIN_KEY, type Harness, startHarness } from '../support/harness.ts';

let h: Harness;
let server: ServerType;
let port = 0;
let team = '';

beforeAll(async () => {
  h = await startHarness();
  team = await h.team('slow');
  const config = { PORT: 0, HOST: '127.0.0.1', HEADERS_TIMEOUT_MS: 1000, REQUEST_TIMEOUT_MS: 2000, KEEP_ALIVE_TIMEOUT_MS: 1000, SOCKET_IDLE_TIMEOUT_MS: 60_000 };
  await new Promise<void>((resolve) => {
    server = serveNode((request, env) => h.app.fetch(request, env), config, () => resolve());
  });
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  await new Promise((r) => server.close(r));
  await h.close();
});

/** A raw connection; resolves with everything the server sent once it closes the connection. */
function open(): { socket: Socket; closed: Promise<string> } {
  const socket = connect(port, '127.0.0.1');
  let received = '';
  socket.on('data', (d) => {
    received += d.toString();
  });
  socket.on('error', () => {});
  const closed = new Promise<string>((resolve) => socket.on('close', () => resolve(received)));
  return { socket, closed };
}

/** Sends the upload's headers, then one byte of its 100,000-byte body every 100 ms. */
function trickle(): { closed: Promise<string>; sent: () => number } {
  const { socket, closed } = open();
  let sent = 0;
  socket.on('connect', () => {
    socket.write(
      `POST /v1/teams/${team}/snapshots?workload=slow&kind=dockerfile HTTP/1.1\r\nHost: x\r\n` +
        `Authorization: Bearer ${ADMIN_KEY}\r\nContent-Type: text/plain\r\nContent-Length: 100000\r\n\r\n`,
    );
    const timer = setInterval(() => {
      if (socket.destroyed) return clearInterval(timer);
      socket.write('#');
      sent += 1;
    }, 100);
    socket.on('close', () => clearInterval(timer));
  });
  return { closed, sent: () => sent };
}

describe('slow and idle clients', () => {
  it('a connection that sends nothing is closed with 408', async () => {
    const { closed } = open();
    expect(await closed).toMatch(/^HTTP\/1\.1 408 /);
  });

  it('a trickled body is cut with 408 long before it is complete, and nothing is stored', async () => {
    const slow = trickle();
    const answer = await slow.closed;
    expect(answer).toMatch(/^HTTP\/1\.1 408 /);
    expect(slow.sent()).toBeLessThan(100_000);
    const listed = await h.request(`/v1/teams/${team}/snapshots?workload=slow`);
    expect(((await listed.json()) as { items: unknown[] }).items).toEqual([]);
  });

  it('others are served while idle and trickling connections are open', async () => {
    const idle = Array.from({ length: 50 }, () => open());
    const slow = Array.from({ length: 10 }, () => trickle());
    const res = await fetch(`http://127.0.0.1:${port}/v1/teams/${team}/workloads`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
    expect(res.status).toBe(200);
    const answers = await Promise.all([...idle.map((c) => c.closed), ...slow.map((c) => c.closed)]);
    expect(answers.every((a) => a.startsWith('HTTP/1.1 408 '))).toBe(true);
  });

  it('a client that hangs up in the middle of its upload is logged as gone, not as the database being away', async () => {
    const before = h.logs.length;
    const { socket, closed } = open();
    socket.on('connect', () => {
      socket.write(
        `POST /v1/teams/${team}/snapshots?workload=gone&kind=dockerfile HTTP/1.1\r\nHost: x\r\n` +
          `Authorization: Bearer ${ADMIN_KEY}\r\nContent-Type: text/plain\r\nContent-Length: 100000\r\n\r\nFROM alpine`,
      );
      setTimeout(() => socket.destroy(), 200);
    });
    await closed;
    // The server notices when it reads on: wait for the request's log line, however long that takes.
    while (!h.logs.slice(before).some((l) => l.includes('"path":"/v1/teams/') && l.includes('"msg":"request"'))) await new Promise((r) => setTimeout(r, 50));
    const lines = h.logs.slice(before).map((l) => JSON.parse(l) as { msg: string; level: string; status?: number });
    expect(lines.filter((l) => l.msg === 'database unavailable' || l.level === 'error')).toEqual([]);
    expect(lines.map((l) => l.msg)).toContain('client went away');
    const listed = await h.request(`/v1/teams/${team}/snapshots?workload=gone`);
    expect(((await listed.json()) as { items: unknown[] }).items).toEqual([]);
  });
});

describe('the idle timeout is for clients, not for answers that take long to make', () => {
  const config = { PORT: 0, HOST: '127.0.0.1', HEADERS_TIMEOUT_MS: 1000, REQUEST_TIMEOUT_MS: 2000, KEEP_ALIVE_TIMEOUT_MS: 1000, SOCKET_IDLE_TIMEOUT_MS: 500 };
  const listen = (fetch: (r: Request) => Promise<Response>) =>
    new Promise<{ server: ServerType; port: number }>((resolve) => {
      const server = serveNode(fetch, config, (p) => resolve({ server, port: p }));
    });

  it('an answer made in several idle timeouts still reaches its client', async () => {
    // Made after four idle timeouts: the client is waiting on the server, nothing moves.
    const { server, port: p } = await listen(async () => {
      await new Promise((r) => setTimeout(r, 2_000));
      return new Response('made');
    });
    try {
      const res = await fetch(`http://127.0.0.1:${p}/slow-to-make`);
      expect(await res.text()).toBe('made');
    } finally {
      await new Promise((r) => server.close(r));
    }
  });

  it('a client that stops reading a streamed answer is still cut', async () => {
    let pulls = 0;
    const { server, port: p } = await listen(async () =>
      new Response(
        new ReadableStream<Uint8Array>({
          pull: (controller) => {
            pulls += 1;
            controller.enqueue(new Uint8Array(256 * 1024));
          },
        }),
      ),
    );
    try {
      // The client below stops reading and so would not notice being cut: watch the server's side.
      const closedByServer = new Promise<void>((resolve) => server.once('connection', (s: Socket) => s.once('close', () => resolve())));
      const socket = connect(p, '127.0.0.1');
      socket.on('error', () => {});
      socket.on('connect', () => {
        socket.write('GET /stream HTTP/1.1\r\nHost: x\r\n\r\n');
        // Read the head, then stop reading: the server's writes back up and nothing moves.
        socket.once('data', () => socket.pause());
      });
      await closedByServer;
      socket.destroy();
      expect(pulls).toBeGreaterThan(0);
    } finally {
      await new Promise((r) => server.close(r));
    }
  });
});
