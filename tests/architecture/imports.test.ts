/**
 * The layer rules of docs/ARCHITECTURE.md hold for the repository, and the checker really
 * catches what they forbid: an upward import, a folder importing a package its row does not
 * allow, a runtime import where only types are allowed, and an import cycle.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import {
  checkImports,
  checkRepository,
  parseLayerTable,
  repositorySources,
  type SourceFile,
} from '../../scripts/check-imports';

const root = join(__dirname, '..', '..');
const rules = parseLayerTable(readFileSync(join(root, 'docs', 'ARCHITECTURE.md'), 'utf8'));
const sources = repositorySources(root);
const withPlanted = (...planted: SourceFile[]) => checkImports([...sources, ...planted], rules);

describe('import rules (docs/ARCHITECTURE.md)', () => {
  test('the table has a row for every checked folder, and the repository follows it', () => {
    assert.ok(rules.length >= 18, `${rules.length} rows`);
    assert.deepEqual(checkRepository(root), []);
  });

  test('a planted upward import fails, naming the file and the rule', () => {
    const problems = withPlanted({
      path: 'src/graph/planted.ts',
      text: "import { main } from '../cli/main';\n",
    });
    assert.deepEqual(problems, [
      'src/graph/planted.ts: imports src/cli/main.ts; src/graph may import src/contracts',
    ]);
  });

  test('src/ importing the worker entry, activities or workflows fails', () => {
    const problems = withPlanted(
      { path: 'src/experiment/planted.ts', text: "import { runLocalWorkers } from '../../worker';\n" },
      { path: 'src/temporal/planted.ts', text: "import type { Activities } from '../../activities';\n" },
    );
    assert.equal(problems.length, 2, problems.join('\n'));
    assert.match(problems[0], /^src\/experiment\/planted\.ts: imports worker\/index\.ts; /);
    assert.match(problems[1], /^src\/temporal\/planted\.ts: imports activities\/index\.ts; /);
  });

  test('the pure core may not import tfjs or Temporal; contracts take Temporal types only', () => {
    const problems = withPlanted(
      { path: 'src/morph/planted.ts', text: "import * as tf from '@tensorflow/tfjs-core';\n" },
      { path: 'src/contracts/planted.ts', text: "import { Worker } from '@temporalio/worker';\n" },
      { path: 'src/contracts/planted2.ts', text: "import type { Worker } from '@temporalio/worker';\n" },
    );
    assert.deepEqual(problems, [
      "src/morph/planted.ts: imports '@tensorflow/tfjs-core'; src/morph may import packages zod",
      "src/contracts/planted.ts: imports '@temporalio/worker'; src/contracts may import packages zod, @temporalio/worker (types)",
    ]);
  });

  test('an import cycle fails, even inside one folder', () => {
    const problems = withPlanted(
      { path: 'src/search/planted-a.ts', text: "import { b } from './planted-b';\nexport const a = 1;\n" },
      { path: 'src/search/planted-b.ts', text: "import { a } from './planted-a';\nexport const b = a;\n" },
    );
    assert.deepEqual(problems, [
      'import cycle: src/search/planted-a.ts → src/search/planted-b.ts → src/search/planted-a.ts',
    ]);
  });

  test('a folder without a row is reported', () => {
    const problems = withPlanted({ path: 'src/newthing/x.ts', text: 'export const x = 1;\n' });
    assert.deepEqual(problems, [
      "src/newthing/x.ts: its folder src/newthing has no row in docs/ARCHITECTURE.md's layer table",
    ]);
  });
});
