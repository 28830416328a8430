// A node:test reporter that writes one JSON line per finished test, suite and test file, with
// its file: node 20's TAP names neither the file of a test nor the time a whole file took.
// scripts/test/summary.ts reads these lines for the slowest files and tests and the skips.
export default async function* events(source) {
  for await (const event of source) {
    const d = event.data ?? {};
    if (event.type === 'test:complete' && d.file && d.name === d.file) {
      yield JSON.stringify({ kind: 'file', file: d.file, ms: d.details?.duration_ms ?? 0 }) + '\n';
    } else if (event.type === 'test:pass' || event.type === 'test:fail') {
      yield (
        JSON.stringify({
          kind: d.details?.type === 'suite' ? 'suite' : 'test',
          file: d.file ?? null,
          name: d.name,
          nesting: d.nesting,
          ms: d.details?.duration_ms ?? 0,
          ok: event.type === 'test:pass',
          skip: d.skip === undefined ? null : String(d.skip === true ? '' : d.skip),
          todo: d.todo !== undefined,
        }) + '\n'
      );
    }
  }
}
