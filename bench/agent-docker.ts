/**
 * The benchmark's Docker Engine API in a process of its own, so the agent's round is timed and
 * measured without the server's work: the synthetic host of test/agent/fake-docker.ts, whose
 * daemon clock moves five minutes on every `/info` (one round each). Prints the socket path.
 */
import { startFakeDocker, syntheticHost } from '../test/agent/fake-docker.ts';

const host = syntheticHost(Number(process.argv[2] ?? 500));
const start = Date.parse(String(host.info.SystemTime));
const info = host.info;
let rounds = 0;
Object.defineProperty(host, 'info', {
  get: () => ({ ...info, SystemTime: new Date(start + rounds++ * 300_000).toISOString().replace('Z', '406214Z') }),
  set: () => {},
});
const fake = await startFakeDocker(host);
process.stdout.write(`${fake.socketPath}\n`);
process.on('SIGTERM', () => void fake.close().then(() => process.exit(0)));
