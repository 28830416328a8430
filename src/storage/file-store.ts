/**
 * `file://` store: one file per key under a root folder. A put writes a temp file in the target's
 * own folder (same filesystem, so the rename is atomic), fsyncs it, renames it over the target
 * and fsyncs the folder, so after a crash a reader finds the old file or the new one — never a
 * torn one.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join, relative, sep } from 'node:path';
import { guardSource, sourceFailureIn, toBytes } from './source';
import { StorageError, type ArtifactStore } from './store';
import { checkKey, checkPrefix, formatUri, TEMP_MARKER } from './uri';

export class FileStore implements ArtifactStore {
  readonly uri: string;

  constructor(readonly root: string) {
    this.uri = formatUri({ kind: 'file', path: root });
  }

  async put(key: string, body: Uint8Array | string): Promise<void> {
    await this.putStream(key, [toBytes(body)]);
  }

  async putStream(key: string, chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): Promise<void> {
    const target = this.pathOf(key);
    const folder = dirname(target);
    const temp = join(folder, `${TEMP_MARKER}${randomBytes(6).toString('hex')}-${basename(target)}`);
    try {
      await mkdir(folder, { recursive: true });
      const file = await open(temp, 'wx');
      try {
        for await (const chunk of guardSource(chunks)) await file.write(chunk);
        await file.sync();
      } finally {
        await file.close();
      }
      await rename(temp, target);
      await syncFolder(folder);
    } catch (err) {
      await unlink(temp).catch(() => undefined);
      throw sourceFailureIn(err)?.original ?? this.failure(err, 'write', key);
    }
  }

  async get(key: string): Promise<Uint8Array> {
    try {
      const bytes = await readFile(this.pathOf(key));
      return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    } catch (err) {
      throw this.failure(err, 'read', key);
    }
  }

  async getText(key: string): Promise<string> {
    return Buffer.from(await this.get(key)).toString('utf8');
  }

  async exists(key: string): Promise<boolean> {
    try {
      return (await stat(this.pathOf(key))).isFile();
    } catch (err) {
      if (isMissing(err)) return false;
      throw this.failure(err, 'check', key);
    }
  }

  async list(prefix: string): Promise<string[]> {
    checkPrefix(prefix);
    // Walk only the deepest folder the prefix names, then filter by the partial last segment.
    const start = prefix.includes('/') ? prefix.slice(0, prefix.lastIndexOf('/')) : '';
    const keys: string[] = [];
    try {
      await this.walk(join(this.root, ...start.split('/').filter(Boolean)), keys);
    } catch (err) {
      throw this.failure(err, 'list', prefix);
    }
    return keys.filter((k) => k.startsWith(prefix)).sort();
  }

  private async walk(folder: string, into: string[]): Promise<void> {
    let entries;
    try {
      entries = await readdir(folder, { withFileTypes: true });
    } catch (err) {
      if (isMissing(err)) return;
      throw err;
    }
    for (const entry of entries) {
      if (entry.name.startsWith(TEMP_MARKER)) continue;
      const path = join(folder, entry.name);
      if (entry.isDirectory()) await this.walk(path, into);
      else if (entry.isFile()) into.push(relative(this.root, path).split(sep).join('/'));
    }
  }

  async delete(key: string): Promise<void> {
    try {
      await unlink(this.pathOf(key));
    } catch (err) {
      // Deleting an absent key succeeds, as on S3, so cleanup can be retried.
      if (!isMissing(err)) throw this.failure(err, 'delete', key);
    }
  }

  async append(key: string, line: string): Promise<void> {
    await this.appendBytes(key, Buffer.from(line.endsWith('\n') ? line : line + '\n', 'utf8'));
  }

  async appendBytes(key: string, bytes: Uint8Array): Promise<void> {
    const target = this.pathOf(key);
    try {
      await mkdir(dirname(target), { recursive: true });
      // O_APPEND makes each single write land whole at the end, even with several writers.
      const file = await open(target, 'a');
      try {
        await file.write(bytes);
        await file.datasync();
      } finally {
        await file.close();
      }
    } catch (err) {
      throw this.failure(err, 'append to', key);
    }
  }

  private pathOf(key: string): string {
    return join(this.root, ...checkKey(key).split('/'));
  }

  private failure(err: unknown, verb: string, key: string): StorageError {
    if (err instanceof StorageError) return err;
    const code = (err as NodeJS.ErrnoException).code ?? '';
    const what = `cannot ${verb} '${key}' in ${this.uri}`;
    switch (code) {
      case 'ENOENT':
        return new StorageError(
          'not_found',
          `${what}: no such object; check the key, or that its writer finished`,
        );
      case 'EISDIR':
        return verb === 'read'
          ? new StorageError(
              'not_found',
              `${what}: it is a folder of objects, not an object; list it instead`,
            )
          : new StorageError('bad_uri', `${what}: the key names a folder of objects; choose another key`);
      case 'ENOTDIR':
      case 'EEXIST':
        return new StorageError(
          'bad_uri',
          `${what}: a part of the key's path is an object, not a folder; choose a key that does not nest under an object`,
        );
      case 'ENAMETOOLONG':
        return new StorageError(
          'bad_uri',
          `${what}: a name in its path is longer than the file system allows; choose a shorter path`,
        );
      case 'EACCES':
      case 'EPERM':
      case 'EROFS':
        return new StorageError(
          'denied',
          `${what}: permission denied (${code}); fix the folder's permissions or choose another storage uri`,
        );
      default:
        return new StorageError(
          'unavailable',
          `${what}: ${code || (err as Error).message}; check the disk (space, mount) and retry`,
        );
    }
  }
}

function isMissing(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

/** Makes the rename itself durable; some filesystems refuse to fsync a folder, which is harmless. */
async function syncFolder(folder: string): Promise<void> {
  const handle = await open(folder, 'r').catch(() => undefined);
  if (!handle) return;
  try {
    await handle.sync().catch(() => undefined);
  } finally {
    await handle.close();
  }
}
