/**
 * The import rules of docs/ARCHITECTURE.md, enforced: every import in src/, activities/,
 * workflows/, worker/ and experiments/ must be one its folder's row of the layer table allows
 * (folders of ours and outside packages), and no file may reach itself through its imports. The table is
 * read from the document itself, so the rules are written once. `npm test` runs this; a new
 * upward import or cycle fails it with the file and the rule.
 *
 * Usage: npx tsx scripts/check-imports.ts   (exit 0 clean, 1 with one line per problem)
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';

export interface LayerRule {
  /** `src/graph`, `activities`, … */
  folder: string;
  /** Folders of ours it may import. */
  folders: string[];
  /** Outside packages it may import (`*` any); `name (types)` only with `import type`. */
  packages: string[];
}

export interface SourceFile {
  /** Repository-relative path, `src/graph/dag.ts`. */
  path: string;
  text: string;
}

const CHECKED = ['src', 'activities', 'workflows', 'worker', 'experiments'];

/** The rows of the table under "## Layers" in docs/ARCHITECTURE.md. */
export function parseLayerTable(markdown: string): LayerRule[] {
  const section = markdown.split(/^## /m).find((s) => s.startsWith('Layers'));
  if (!section) throw new Error('docs/ARCHITECTURE.md has no "## Layers" section');
  const rules: LayerRule[] = [];
  for (const line of section.split('\n')) {
    const cells = line.split('|').map((c) => c.trim());
    if (cells.length < 6 || !/^`[^`]+`$/.test(cells[1])) continue;
    const names = (cell: string) =>
      [...cell.matchAll(/`([^`]+)`(\s*\(types\))?/g)].map((m) => m[1] + (m[2] ? ' (types)' : ''));
    rules.push({ folder: cells[1].slice(1, -1), folders: names(cells[3]), packages: names(cells[4]) });
  }
  return rules;
}

/** The layer a file belongs to: `src/<folder>` or the top-level folder. */
export function layerOf(path: string): string {
  const parts = path.split('/');
  return parts[0] === 'src' ? `src/${parts[1]}` : parts[0];
}

interface Import {
  spec: string;
  typeOnly: boolean;
}

const IMPORT_RE =
  /^\s*(import|export)\s+(type\s+)?(?:[^'";]*?\s+from\s+)?['"]([^'"]+)['"]|require(?:\.resolve)?\(\s*['"]([^'"]+)['"]\s*\)/gm;

function importsOf(text: string): Import[] {
  const out: Import[] = [];
  for (const m of text.matchAll(IMPORT_RE)) {
    const spec = m[3] ?? m[4];
    if (spec) out.push({ spec, typeOnly: Boolean(m[2]) });
  }
  return out;
}

function packageName(spec: string): string {
  const parts = spec.split('/');
  return spec.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0];
}

/** Every broken rule and every cycle, one sentence each. */
export function checkImports(files: SourceFile[], rules: LayerRule[]): string[] {
  const problems: string[] = [];
  const byFolder = new Map(rules.map((r) => [r.folder, r]));
  const known = new Set(files.map((f) => f.path));
  const edges = new Map<string, string[]>();
  for (const file of files) {
    const layer = layerOf(file.path);
    const rule = byFolder.get(layer);
    if (!rule) {
      problems.push(`${file.path}: its folder ${layer} has no row in docs/ARCHITECTURE.md's layer table`);
      continue;
    }
    const targets: string[] = [];
    for (const imp of importsOf(file.text)) {
      if (imp.spec.startsWith('node:')) continue;
      if (!imp.spec.startsWith('.')) {
        const pkg = packageName(imp.spec);
        const ok =
          rule.packages.includes('*') ||
          rule.packages.includes(pkg) ||
          (imp.typeOnly && rule.packages.includes(`${pkg} (types)`));
        if (!ok)
          problems.push(
            `${file.path}: imports '${imp.spec}'; ${layer} may import packages ${describe(rule.packages)}`,
          );
        continue;
      }
      const target = resolveTarget(file.path, imp.spec, known);
      if (!target) continue; // not a checked source file (a .wasm, a JSON file)
      targets.push(target);
      const to = layerOf(target);
      if (to !== layer && !rule.folders.includes(to)) {
        problems.push(`${file.path}: imports ${target}; ${layer} may import ${describe(rule.folders)}`);
      }
    }
    edges.set(file.path, targets);
  }
  for (const cycle of cycles(edges)) problems.push(`import cycle: ${cycle.join(' → ')}`);
  return problems;
}

function describe(list: string[]): string {
  return list.length === 0 ? 'nothing' : list.join(', ');
}

function resolveTarget(from: string, spec: string, known: Set<string>): string | null {
  const base = normalize(join(dirname(from), spec));
  for (const candidate of [`${base}.ts`, join(base, 'index.ts'), base])
    if (known.has(candidate)) return candidate;
  return null;
}

/** The cycles of the file graph, each once, as paths that end where they start. */
function cycles(edges: Map<string, string[]>): string[][] {
  const found: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (node: string) => {
    state.set(node, 'open');
    stack.push(node);
    for (const next of edges.get(node) ?? []) {
      if (state.get(next) === 'open') found.push([...stack.slice(stack.indexOf(next)), next]);
      else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(node, 'done');
  };
  for (const node of [...edges.keys()].sort()) if (!state.has(node)) visit(node);
  return found;
}

/** The repository's checked sources. */
export function repositorySources(root: string): SourceFile[] {
  const files: SourceFile[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(join(root, dir), { withFileTypes: true })) {
      const path = `${dir}/${entry.name}`;
      if (entry.isDirectory()) {
        if (entry.name !== 'assembly' && entry.name !== 'node_modules') walk(path);
      } else if (entry.name.endsWith('.ts')) {
        files.push({ path, text: readFileSync(join(root, path), 'utf8') });
      }
    }
  };
  for (const dir of CHECKED) walk(dir);
  return files;
}

export function checkRepository(root: string): string[] {
  const rules = parseLayerTable(readFileSync(join(root, 'docs', 'ARCHITECTURE.md'), 'utf8'));
  return checkImports(repositorySources(root), rules);
}

if (require.main === module) {
  const root = join(__dirname, '..');
  const problems = checkRepository(root);
  for (const p of problems) console.error(`imports: ${p}`);
  if (problems.length > 0) {
    console.error(`imports: ${problems.length} problem(s); the rules are docs/ARCHITECTURE.md's layer table`);
    process.exitCode = 1;
  } else {
    console.log(`imports: ${relative(process.cwd(), root) || '.'} follows docs/ARCHITECTURE.md`);
  }
}
