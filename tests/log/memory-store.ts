/**
 * An in-memory ArtifactStore for the log tests, keeping the contract the real stores keep
 * (not_found errors, sorted list, append adds the newline). `dumpTo` writes the objects to a
 * folder so TensorBoard's Python reader can open them.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { ArtifactStore, StorageError } from '../../src/storage/store';

export class MemoryStore implements ArtifactStore {
  readonly uri = 'memory://log-tests';
  readonly objects = new Map<string, Uint8Array>();
  puts = 0;

  async put(key: string, body: Uint8Array | string): Promise<void> {
    this.puts++;
    this.objects.set(key, typeof body === 'string' ? Buffer.from(body, 'utf8') : Uint8Array.from(body));
  }

  async putStream(key: string, chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): Promise<void> {
    const parts: Uint8Array[] = [];
    for await (const c of chunks) parts.push(c);
    await this.put(key, Buffer.concat(parts));
  }

  async get(key: string): Promise<Uint8Array> {
    const body = this.objects.get(key);
    if (!body) throw new StorageError('not_found', `no object '${key}' in ${this.uri}`);
    return body;
  }

  async getText(key: string): Promise<string> {
    return Buffer.from(await this.get(key)).toString('utf8');
  }

  async exists(key: string): Promise<boolean> {
    return this.objects.has(key);
  }

  async list(prefix: string): Promise<string[]> {
    return [...this.objects.keys()].filter((k) => k.startsWith(prefix)).sort();
  }

  async delete(key: string): Promise<void> {
    this.objects.delete(key);
  }

  async append(key: string, line: string): Promise<void> {
    const old = this.objects.get(key) ?? new Uint8Array();
    this.objects.set(
      key,
      Buffer.concat([old, Buffer.from(line.endsWith('\n') ? line : line + '\n', 'utf8')]),
    );
  }

  async dumpTo(folder: string): Promise<void> {
    for (const [key, body] of this.objects) {
      const path = join(folder, ...key.split('/'));
      await mkdir(dirname(path), { recursive: true });
      await writeFile(path, body);
    }
  }
}
