import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type RequestListener, type Server } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { compareVersions, createDockerClient, DockerApiError, DockerHostError, type DockerEndpoint, parseEventStream, resolveDockerEndpoint } from '../../workers/agent/docker-client.ts';
import { fixtureText } from './fake-docker.ts';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

async function serveTcp(handler: RequestListener): Promise<{ server: Server; endpoint: DockerEndpoint }> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  const { port } = server.address() as AddressInfo;
  return { server, endpoint: resolveDockerEndpoint({ DOCKER_HOST: `tcp://127.0.0.1:${port}` }) };
}

describe('where the daemon is', () => {
  it('reads DOCKER_HOST the way the docker CLI does', () => {
    expect(resolveDockerEndpoint({})).toMatchObject({ socketPath: '/var/run/docker.sock', tls: null });
    expect(resolveDockerEndpoint({ DOCKER_HOST: 'unix:///run/user/1000/docker.sock' }).socketPath).toBe('/run/user/1000/docker.sock');
    expect(resolveDockerEndpoint({ DOCKER_HOST: 'tcp://socket-proxy:2375' })).toMatchObject({ socketPath: null, host: 'socket-proxy', port: 2375, tls: null });
    expect(resolveDockerEndpoint({ DOCKER_HOST: 'tcp://[::1]' })).toMatchObject({ host: '::1', port: 2375 });
    expect(resolveDockerEndpoint({ DOCKER_HOST: 'tcp://a:1' }, 'unix:///x.sock').socketPath).toBe('/x.sock');
  });

  it('turns on TLS with the certificates of DOCKER_CERT_PATH', () => {
    const files: Record<string, string> = { '/certs/ca.pem': 'CA', '/certs/cert.pem': 'CERT', '/certs/key.pem': 'KEY' };
    const read = (p: string) => {
      const text = files[p];
      if (text === undefined) throw new Error('ENOENT');
      return text;
    };
    const endpoint = resolveDockerEndpoint({ DOCKER_HOST: 'tcp://10.0.0.5', DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: '/certs' }, null, read);
    expect(endpoint).toMatchObject({ host: '10.0.0.5', port: 2376, tls: { ca: 'CA', cert: 'CERT', key: 'KEY', verify: true } });
    expect(endpoint.display).toBe('tcp://10.0.0.5 (TLS)');
    expect(() => resolveDockerEndpoint({ DOCKER_HOST: 'tcp://h', DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: '/none' }, null, read)).toThrow(/ca\.pem/);
  });

  it('refuses what it cannot speak', () => {
    expect(() => resolveDockerEndpoint({ DOCKER_HOST: 'ssh://me@host' })).toThrow(DockerHostError);
    expect(() => resolveDockerEndpoint({ DOCKER_HOST: 'npipe:////./pipe/docker_engine' })).toThrow(DockerHostError);
    expect(() => resolveDockerEndpoint({ DOCKER_HOST: 'unix://relative.sock' })).toThrow(/absolute/);
  });
});

describe('talking to the daemon', () => {
  it('asks an older daemon in its own API version, and refuses one that is too old', async () => {
    const seen: string[] = [];
    const { endpoint } = await serveTcp((req, res) => {
      seen.push(req.url ?? '');
      res.writeHead(200, { 'Api-Version': '1.41', 'content-type': 'application/json' });
      res.end(req.url === '/_ping' ? 'OK' : '{"ID":"x"}');
    });
    const docker = createDockerClient({ endpoint, timeoutMs: 2000 });
    cleanups.push(async () => docker.close());
    expect(await docker.apiVersion()).toBe('1.41');
    await docker.info();
    expect(seen).toEqual(['/_ping', '/v1.41/info']);

    const old = await serveTcp((_req, res) => {
      res.writeHead(200, { 'Api-Version': '1.12' });
      res.end('OK');
    });
    const oldDocker = createDockerClient({ endpoint: old.endpoint, timeoutMs: 2000 });
    cleanups.push(async () => oldDocker.close());
    await expect(oldDocker.info()).rejects.toThrow(/1\.12.*1\.24 or newer/);
    expect(compareVersions('1.9', '1.24')).toBeLessThan(0);
  });

  it('reports a proxy refusal with its status and a readable message', async () => {
    const { endpoint } = await serveTcp((req, res) => {
      if (req.url === '/_ping') {
        res.writeHead(200, { 'Api-Version': '1.47' });
        res.end('OK');
        return;
      }
      res.writeHead(403, { 'content-type': 'text/html' });
      res.end('<html><body><h1>403 Forbidden</h1>\nRequest forbidden by administrative rules.\n</body></html>\n');
    });
    const docker = createDockerClient({ endpoint, timeoutMs: 2000 });
    cleanups.push(async () => docker.close());
    const error = await docker.info().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DockerApiError);
    expect(error).toMatchObject({ status: 403, message: '403: 403 Forbidden Request forbidden by administrative rules.' });
  });

  it('gives up on a daemon that does not answer, within the timeout', async () => {
    const { endpoint } = await serveTcp(() => {
      // never answers
    });
    const docker = createDockerClient({ endpoint, timeoutMs: 300 });
    cleanups.push(async () => docker.close());
    const started = Date.now();
    await expect(docker.info()).rejects.toThrow(/within 300 ms/);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('refuses an answer larger than its limit', async () => {
    const { endpoint } = await serveTcp((req, res) => {
      res.writeHead(200, { 'Api-Version': '1.47' });
      res.end(req.url === '/_ping' ? 'OK' : `[${'{"Id":"x"},'.repeat(20_000)}{}]`);
    });
    const docker = createDockerClient({ endpoint, timeoutMs: 2000, maxResponseBytes: 10_000 });
    cleanups.push(async () => docker.close());
    await expect(docker.listContainers()).rejects.toThrow(/larger than 10000 bytes/);
  });

  it('reports an unreachable daemon as such', async () => {
    const docker = createDockerClient({ endpoint: resolveDockerEndpoint({ DOCKER_HOST: 'unix:///nonexistent/docker.sock' }), timeoutMs: 1000 });
    cleanups.push(async () => docker.close());
    await expect(docker.info()).rejects.toThrow(/cannot reach the Docker daemon at unix:\/\/\/nonexistent\/docker\.sock/);
  });

  it('reads the event stream line by line, keeping each line as sent', () => {
    const text = fixtureText('events.jsonl');
    const { events, truncated } = parseEventStream(`${text}{"partial":`, 1000);
    expect(truncated).toBe(false);
    expect(events).toHaveLength(14);
    expect(events[0]?.line).toBe(text.split('\n')[0]);
    expect(parseEventStream(text, 3)).toMatchObject({ truncated: true });
    expect(parseEventStream(text, 3).events).toHaveLength(3);
  });

  it('speaks TLS to tcp:// with client certificates (DOCKER_TLS_VERIFY)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'csvs-docker-tls-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    try {
      makeCertificates(dir);
    } catch {
      // No openssl on this machine: nothing to test TLS with.
      return;
    }
    const [ca, serverCert, serverKey] = await Promise.all(['ca.pem', 'server-cert.pem', 'server-key.pem'].map((f) => readFile(join(dir, f), 'utf8')));
    const seen: { path: string; authorized: boolean }[] = [];
    const server = createTlsServer({ ca, cert: serverCert, key: serverKey, requestCert: true, rejectUnauthorized: true }, (req, res) => {
      const socket = req.socket as import('node:tls').TLSSocket;
      seen.push({ path: req.url ?? '', authorized: socket.authorized });
      res.writeHead(200, { 'Api-Version': '1.47', 'content-type': 'application/json' });
      res.end(req.url === '/_ping' ? 'OK' : '{"ID":"tls-daemon","Name":"remote"}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    });
    const { port } = server.address() as AddressInfo;
    const endpoint = resolveDockerEndpoint({ DOCKER_HOST: `tcp://127.0.0.1:${port}`, DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: dir });
    const docker = createDockerClient({ endpoint, timeoutMs: 5000 });
    cleanups.push(async () => docker.close());
    expect(await docker.info()).toEqual({ ID: 'tls-daemon', Name: 'remote' });
    expect(seen).toEqual([{ path: '/_ping', authorized: true }, { path: '/v1.47/info', authorized: true }]);
  });
});

/** A CA, a server certificate for 127.0.0.1 and a client certificate, as `dockerd --tlsverify` uses them. */
function makeCertificates(dir: string): void {
  const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  ssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', 'ca-key.pem', '-out', 'ca.pem', '-days', '1', '-subj', '/CN=test-ca');
  for (const [name, cn, ext] of [['server', '127.0.0.1', 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth'], ['client', 'agent', 'extendedKeyUsage=clientAuth']] as const) {
    ssl('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', `${name}-key.pem`, '-out', `${name}.csr`, '-subj', `/CN=${cn}`);
    execFileSync('sh', ['-c', `printf '%s\n' "${ext}" > ${name}.ext`], { cwd: dir });
    ssl('x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca-key.pem', '-CAcreateserial', '-out', `${name}-cert.pem`, '-days', '1', '-extfile', `${name}.ext`);
  }
  // The docker CLI's names for the client's pair.
  execFileSync('cp', ['client-cert.pem', 'cert.pem'], { cwd: dir });
  execFileSync('cp', ['client-key.pem', 'key.pem'], { cwd: dir });
}
