/**
 * What `netgrow report <experimentId>` does once its flags are parsed: render the report of
 * `<storage>/experiments/<id>/` into `<storage>/experiments/<id>/report/`, and say where it
 * is. The command module only parses flags and prints; this is the part with the decisions.
 */
import { join } from 'node:path';
import { ReportError, writeReport } from '../report';
import { openStore, parseUri, S3Options } from '../storage';
import { UsageError } from '../contracts/errors';

export interface ReportRequest {
  /** The store that holds `experiments/`: `file://./runs`, a path, or `s3://bucket/prefix`. */
  storage: string;
  experimentId: string;
  s3?: S3Options;
  /** How many of the best candidates get learning curves (default 5). */
  curves?: number;
}

export interface ReportOutcome {
  /** URI of report/index.html. */
  uri: string;
  /** Local path of index.html when the store is file://, for "open it in a browser"; else null. */
  path: string | null;
  /** Keys written, index.html last. */
  keys: string[];
  /** Missing or damaged pieces the page reports (a running search has some). */
  notes: string[];
}

const EXPERIMENT_ID = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

export async function renderExperimentReport(req: ReportRequest): Promise<ReportOutcome> {
  if (!EXPERIMENT_ID.test(req.experimentId)) {
    throw new UsageError(
      `experiment id '${req.experimentId}' is invalid: use the id printed by \`netgrow search\` (letters, digits, '.', '_', '-')`,
    );
  }
  const store = openStore(req.storage, req.s3);
  const prefix = `experiments/${req.experimentId}`;
  try {
    const written = await writeReport(store, prefix, { curves: req.curves });
    const location = parseUri(req.storage);
    return {
      uri: written.uri,
      path: location.kind === 'file' ? join(location.path, written.key) : null,
      keys: written.keys,
      notes: written.notes,
    };
  } catch (e) {
    // The one user error here: an id that names no experiment in this store.
    if (e instanceof ReportError) throw new UsageError(e.message);
    throw e;
  }
}

/** The lines the command prints: where the report is, and how many notes it carries. */
export function describeReportOutcome(o: ReportOutcome): string {
  const lines = [`report: ${o.path ?? o.uri}`];
  if (o.notes.length > 0) {
    lines.push(
      `${o.notes.length} note(s) on the page (missing or damaged pieces):`,
      ...o.notes.map((n) => `  - ${n}`),
    );
  }
  return lines.join('\n');
}
