/**
 * A loopback HTTP proxy in front of the real S3 server that the chaos harness switches between
 * three states: `up` (forwards untouched, the Host header included, so SigV4 still verifies),
 * `down` (every connection reset, the ones in flight too: S3 unreachable) and `failWrites`
 * (uploads answered 500 InternalError, reads forwarded: a storage write failing while the
 * trainer writes its checkpoint or curves).
 */
import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

export type S3State = 'up' | 'down' | 'failWrites';

export interface S3Switch {
  endpoint: string;
  state: S3State;
  /** Requests refused (reset or answered 500) so far. */
  readonly refused: number;
  close(): Promise<void>;
}

export async function startS3Switch(upstream: string): Promise<S3Switch> {
  const target = new URL(upstream);
  const sockets = new Set<Socket>();
  let state: S3State = 'up';
  let refused = 0;
  const fail = (req: IncomingMessage, res: ServerResponse) => {
    refused++;
    req.resume();
    req.on('end', () => {
      res.writeHead(500, { 'content-type': 'application/xml' });
      res.end(
        '<?xml version="1.0"?><Error><Code>InternalError</Code><Message>disk write failed</Message></Error>',
      );
    });
  };
  const server = createServer((req, res) => {
    if (state === 'down') {
      refused++;
      return req.socket.destroy();
    }
    if (state === 'failWrites' && (req.method === 'PUT' || req.method === 'POST')) return fail(req, res);
    const forward = request(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    forward.on('error', () => res.destroy());
    req.pipe(forward);
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((res) => server.listen(0, '127.0.0.1', res));
  const { port } = server.address() as { port: number };
  return {
    endpoint: `http://127.0.0.1:${port}`,
    get state() {
      return state;
    },
    set state(next: S3State) {
      state = next;
      if (next === 'down') for (const s of sockets) s.destroy();
    },
    get refused() {
      return refused;
    },
    close: () =>
      new Promise<void>((res) => {
        server.closeAllConnections();
        server.close(() => res());
      }),
  };
}
