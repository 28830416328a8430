/** Fresh `file://` stores in one temp folder per test file, removed when the file's tests end. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { ArtifactStore, openStore } from '../../src/storage';

export interface TempStore {
  store: ArtifactStore;
  /** The folder on disk behind the store, for readers outside node (TensorBoard). */
  root: string;
}

let base: Promise<string> | undefined;
let n = 0;

// Registered when a test file imports this module, so it belongs to the file's root.
after(async () => {
  if (base) await rm(await base, { recursive: true, force: true });
});

export async function tempStore(): Promise<TempStore> {
  base ??= mkdtemp(join(tmpdir(), 'netgrow-log-'));
  const root = join(await base, `store${n++}`);
  return { store: openStore(`file://${root}`), root };
}
