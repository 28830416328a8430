/**
 * A loopback HTTP proxy in front of the real S3 server, for failures SeaweedFS will not produce on
 * demand. It forwards requests untouched — the Host header included, so SigV4 signatures still
 * verify upstream — except:
 * - the first `slowDowns` requests get 503 SlowDown, what S3 answers when throttling;
 * - with `rejectChecksums`, uploads carrying flexible checksums (a CRC32 header or an aws-chunked
 *   trailer) get 501 NotImplemented, as some S3-compatible servers answer them.
 */
import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';

export interface FlakyProxy {
  endpoint: string;
  /** Requests answered with an error so far. */
  readonly refused: number;
  close(): Promise<void>;
}

export async function startFlakyProxy(
  upstream: string,
  opts: { slowDowns?: number; rejectChecksums?: boolean },
): Promise<FlakyProxy> {
  const target = new URL(upstream);
  let slowDownsLeft = opts.slowDowns ?? 0;
  let refused = 0;
  const fail = (req: IncomingMessage, res: ServerResponse, status: number, code: string, message: string) => {
    refused++;
    req.resume();
    req.on('end', () => {
      res.writeHead(status, { 'content-type': 'application/xml' });
      res.end(`<?xml version="1.0"?><Error><Code>${code}</Code><Message>${message}</Message></Error>`);
    });
  };
  const server = createServer((req, res) => {
    if (slowDownsLeft > 0) {
      slowDownsLeft--;
      return fail(req, res, 503, 'SlowDown', 'Please reduce your request rate.');
    }
    const checksummed = Object.keys(req.headers).some((h) => /^x-amz-(checksum-|trailer)/.test(h));
    if (opts.rejectChecksums && checksummed) {
      return fail(
        req,
        res,
        501,
        'NotImplemented',
        'A header you provided implies functionality that is not implemented',
      );
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
