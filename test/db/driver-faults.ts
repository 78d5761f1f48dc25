/**
 * Two socket faults postgres.js 3.4.x mishandles, played against fake sockets (no server, no
 * network) through the driver's `socket` option; run as its own process by driver.test.ts,
 * because the unpatched driver answers the first one by killing the process. Prints one JSON line.
 *
 * 1. A reserved connection whose socket closed, then a query on it: the query's write is
 *    scheduled with setImmediate and runs against the nulled socket (porsager/postgres#1208).
 * 2. A socket that closes while its startup message waits to be flushed: the driver cancels the
 *    flush but keeps its timer handle, so no later write on that connection is ever flushed and
 *    every reconnect times out (the pool slowly fills with such connections).
 *
 * Usage: node test/db/driver-faults.ts [module-to-import-instead-of-postgres]
 * Against the upstream 3.4.10: {"reserved":"hung","written":[0,0],"uncaught":["TypeError: Cannot read
 * properties of null (reading 'write')"]}; patched: rejected CONNECTION_CLOSED, [0, 77], none.
 */
import { EventEmitter } from 'node:events';

const specifier = process.argv[2] ?? 'postgres';
const { default: postgres } = (await import(specifier)) as { default: typeof import('postgres') };

/** ReadyForQuery, idle. */
const IDLE = [0x5a, 0, 0, 0, 5, 0x49];
/** AuthenticationOk, then idle: all a client needs to call a connection open. */
const READY = Buffer.from([0x52, 0, 0, 0, 8, 0, 0, 0, 0, ...IDLE]);
/** CommandComplete "SELECT 0", then idle: the answer to any simple query. */
const DONE = Buffer.from([0x43, 0, 0, 0, 13, ...Buffer.from('SELECT 0\0'), ...IDLE]);

class FakeSocket extends EventEmitter {
  readyState = 'open';
  written = 0;
  readonly answer: boolean;
  constructor(answer: boolean) {
    super();
    this.answer = answer;
  }
  setKeepAlive(): void {}
  write(data: Uint8Array, callback?: () => void): boolean {
    const answer = this.written === 0 ? READY : DONE;
    this.written += data.length;
    if (this.answer) setTimeout(() => this.readyState === 'open' && this.emit('data', answer), 1);
    if (callback) setImmediate(callback);
    return true;
  }
  end(): void {
    this.close();
  }
  destroy(): void {
    this.close();
  }
  close(): void {
    if (this.readyState === 'closed') return;
    this.readyState = 'closed';
    this.emit('close', false);
  }
}

const base = { host: 'fake.invalid', user: 'u', database: 'd', fetch_types: false, max: 1, connect_timeout: 1, onnotice: () => {} };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function reservedAfterClose(): Promise<string> {
  const sockets: FakeSocket[] = [];
  const sql = postgres({ ...base, socket: () => (sockets.push(new FakeSocket(true)), sockets.at(-1)) } as never);
  // A first query opens the connection, so that reserve() takes it from the open ones.
  await sql.unsafe('select');
  const reserved = await sql.reserve();
  sockets[0]?.close();
  const outcome = await Promise.race([
    reserved`select 1`.then(() => 'resolved', (e: { code?: string }) => `rejected ${e.code ?? e}`),
    sleep(2000).then(() => 'hung'),
  ]);
  reserved.release();
  await sql.end({ timeout: 0 });
  return outcome;
}

async function closeBeforeStartupFlush(): Promise<number[]> {
  const sockets: FakeSocket[] = [];
  const sql = postgres({
    ...base,
    socket: () => {
      const socket = new FakeSocket(false);
      // The first socket closes before the driver's own Immediate flushes its startup message.
      if (sockets.length === 0) setImmediate(() => socket.close());
      sockets.push(socket);
      return socket;
    },
  } as never);
  void sql`select 1`.catch(() => undefined);
  await sleep(300);
  await sql.end({ timeout: 0 }).catch(() => undefined);
  return sockets.map((s) => s.written);
}

// Recorded, so the second case still runs against an unpatched driver; a server would have died here.
const uncaught: string[] = [];
process.on('uncaughtException', (e) => uncaught.push(String(e)));
const reserved = await reservedAfterClose();
const written = await closeBeforeStartupFlush();
console.log(JSON.stringify({ reserved, written, uncaught }));
