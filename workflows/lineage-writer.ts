/**
 * Writes lineage events in order, one recordLineage call at a time. A workflow is the only
 * writer of its experiment's lineage.jsonl, and an S3 append is read-modify-write: two
 * appends in flight at once would lose one of them.
 */
import type { LineageEventInput } from '../src/contracts/lineage';
import { recordLineage } from './proxies';

export class LineageWriter {
  private tail: Promise<void> = Promise.resolve();

  constructor(private readonly experimentUri: string) {}

  write(events: LineageEventInput[]): void {
    if (events.length === 0) return;
    const experimentUri = this.experimentUri;
    this.tail = this.tail.then(() => recordLineage({ experimentUri, events }));
  }

  /** Resolves when everything written so far is recorded. */
  flush(): Promise<void> {
    return this.tail;
  }
}
