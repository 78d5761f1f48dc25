/**
 * `npm start` as an operator runs it: SIGTERM and SIGINT sent to npm reach the server, which stops
 * listening, drains and exits (the start script execs node, so no shell stands in between). The
 * server runs on an embedded database in a temporary DATA_DIR.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

/** Starts `npm start`; resolves with the server's pid and port once it listens. */
async function npmStart(dataDir: string): Promise<{ npm: ChildProcess; pid: number; port: number; exited: Promise<number | null> }> {
  const npm = spawn('npm', ['start', '--silent'], {
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir, LOG_LEVEL: 'info', DATABASE_URL: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | null>((resolve) => npm.on('exit', (code) => resolve(code)));
  const output: string[] = [];
  const listening = await new Promise<{ pid: number; port: number }>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      for (const line of chunk.toString().split('\n')) {
        output.push(line);
        const m = /"msg":"listening","url":"http:\/\/[^:]+:(\d+)","pid":(\d+)/.exec(line);
        if (m) resolve({ port: Number(m[1]), pid: Number(m[2]) });
      }
    };
    npm.stdout?.on('data', onData);
    npm.stderr?.on('data', onData);
    void exited.then((code) => reject(new Error(`npm start exited (${code}) before listening:\n${output.join('\n')}`)));
  });
  return { npm, ...listening, exited };
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

const accepts = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.on('connect', () => (socket.destroy(), resolve(true)));
    socket.on('error', () => resolve(false));
  });

describe('npm start and signals', () => {
  it.each(['SIGTERM', 'SIGINT'] as const)('%s to npm stops the server: it stops listening and exits', async (signal) => {
    const dataDir = await mkdtemp(join(tmpdir(), 'csvs-shutdown-'));
    const { npm, pid, port, exited } = await npmStart(dataDir);
    try {
      expect(pid).not.toBe(npm.pid);
      expect(await accepts(port)).toBe(true);
      npm.kill(signal);
      await exited;
      for (let i = 0; i < 100 && alive(pid); i++) await new Promise((r) => setTimeout(r, 100));
      expect(alive(pid)).toBe(false);
      expect(await accepts(port)).toBe(false);
    } finally {
      if (alive(pid)) process.kill(pid, 'SIGKILL');
      await rm(dataDir, { recursive: true, force: true });
    }
  }, 60_000);
});
