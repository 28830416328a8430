/**
 * Bodies handed to `putStream` are produced by the caller (e.g. serialising weights). When the
 * producer throws, the store must abandon the write and rethrow the producer's own error, not
 * dress it up as a storage failure; `guardSource` marks such errors so stores can tell them apart.
 */
export class SourceFailure extends Error {
  constructor(readonly original: unknown) {
    super('the body producer failed');
  }
}

export async function* guardSource(
  chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
): AsyncGenerator<Uint8Array> {
  try {
    for await (const chunk of chunks) yield chunk;
  } catch (err) {
    throw new SourceFailure(err);
  }
}

/** Finds a SourceFailure in an error or its causes (upload libraries wrap what they catch). */
export function sourceFailureIn(err: unknown): SourceFailure | undefined {
  for (let e = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    if (e instanceof SourceFailure) return e;
  }
  return undefined;
}

export function toBytes(body: Uint8Array | string): Uint8Array {
  return typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
}
