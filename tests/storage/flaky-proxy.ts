/**
 * A loopback HTTP proxy in front of the real S3 server that answers the first `failures` requests
 * with 503 SlowDown (what S3 sends when throttling), then forwards everything untouched — the
 * Host header included, so SigV4 signatures still verify upstream.
 */
import { createServer, request } from 'node:http';

export interface FlakyProxy {
  endpoint: string;
  /** Requests answered with 503 so far. */
  readonly refused: number;
  close(): Promise<void>;
}

export async function startFlakyProxy(upstream: string, failures: number): Promise<FlakyProxy> {
  const target = new URL(upstream);
  let refused = 0;
  const server = createServer((req, res) => {
    if (refused < failures) {
      refused++;
      req.resume();
      req.on('end', () => {
        res.writeHead(503, { 'content-type': 'application/xml' });
        res.end(
          '<?xml version="1.0"?><Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>',
        );
      });
      return;
    }
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
  await new Promise<void>((res) => server.listen(0, '127.0.0.1', res));
  const { port } = server.address() as { port: number };
  return {
    endpoint: `http://127.0.0.1:${port}`,
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
