/**
 * Ports for the servers tests start as child processes (SeaweedFS, etcd, kube-apiserver, a
 * plain Temporal CLI). Such a server is told its ports on the command line, so they are found
 * free first (the OS picks them) and bound by the server a moment later: another process may
 * take one in between (the CI failure of 5fc2183 was this race, in the Temporal dev server; see
 * src/temporal/devserver.ts). A start that lost the race says so in its log; it is retried on
 * fresh ports, a few times. Any other failure is the test's to report, at once.
 */
import { createServer, type Server } from 'node:net';

/** Launches tried when a server lost the race for one of its ports. */
export const PORT_RACE_ATTEMPTS = 3;

/** A server's start failed because another process took one of its ports first. */
export class PortRace extends Error {}

/**
 * Whether a server's output says it could not bind a port: Go's `bind: address already in use`
 * (etcd, kube-apiserver, Temporal), or SeaweedFS's own check before it binds.
 */
export function lostPortRace(output: string): boolean {
  return /address already in use|is not available on \d+\.\d+\.\d+\.\d+/.test(output);
}

/** Runs `start` until it does not throw PortRace, at most PORT_RACE_ATTEMPTS times. */
export async function retryPortRace<T>(start: (attempt: number) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await start(attempt);
    } catch (err) {
      if (!(err instanceof PortRace) || attempt >= PORT_RACE_ATTEMPTS) throw err;
    }
  }
}

/** `n` distinct ports on `ip` (loopback by default) free at this moment, all held open at once so none repeats. */
export async function freePorts(n: number, ip = '127.0.0.1'): Promise<number[]> {
  const servers: Server[] = [];
  try {
    for (let i = 0; i < n; i++) {
      const server = createServer();
      await new Promise<void>((res, rej) => {
        server.once('error', rej);
        server.listen(0, ip, () => res());
      });
      servers.push(server);
    }
    return servers.map((s) => (s.address() as { port: number }).port);
  } finally {
    await Promise.all(servers.map((s) => new Promise((res) => s.close(res))));
  }
}
