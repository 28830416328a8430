/**
 * Re-states every committed experiment summary's comparisons with the drivers' current test
 * (Welch's t-test, experiments/lib/stats.ts) from the per-seed values the summaries keep, and
 * replaces each old comparison sentence in docs/RESULTS.md by the new one. No run is repeated.
 *
 *   npx tsx experiments/restate-tests.ts && npx prettier --write experiments/results
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { comparisonRow, Summary } from './lib';

const results = join(__dirname, 'results');
const doc = join(__dirname, '..', 'docs', 'RESULTS.md');
let text = readFileSync(doc, 'utf8');
for (const name of readdirSync(results).filter((f) => f.endsWith('.json'))) {
  const file = join(results, name);
  const summary = JSON.parse(readFileSync(file, 'utf8')) as Summary;
  summary.comparisons = summary.comparisons.map((old) => {
    const next = comparisonRow(summary.groups, old.a, old.b, old.metric);
    const line = `- ${old.sentence}\n`;
    if (text.includes(line)) text = text.replace(line, `- ${next.sentence}\n`);
    else if (!text.includes(`- ${next.sentence}\n`))
      throw new Error(`${name}: '${old.sentence}' is not in RESULTS.md`);
    return next;
  });
  writeFileSync(file, JSON.stringify(summary, null, 2) + '\n');
}
writeFileSync(doc, text);
