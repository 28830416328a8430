/**
 * The experiment report: `renderReport` reads an experiment folder through the ArtifactStore
 * and returns report/index.html plus the figures as standalone SVG files; `writeReport` puts
 * them under `<experiment>/report/`, index.html last. It works on a finished search and on one
 * still running: whatever is missing becomes a note on the page.
 */
import { Graph, parseGraphJson } from '../graph';
import { sha256Hex } from '../storage/integrity';
import { ArtifactStore } from '../storage/store';
import { drawArchitecture, diffGraphs } from './architecture';
import { exportCommand } from './candidate-checkpoint';
import { CandidateData, collectExperiment, ExperimentData } from './collect';
import { earlyStopSection, operationsSection, present, scratchOf, scratchSection } from './controls';
import { operationStats } from './operations';
import type { OperationStat } from '../contracts/search';
import { computeChart, computeSeries } from './compute';
import { growthChart, GrowthStage, growthStages, learningCurves } from './curves';
import { formatCount, formatDuration, formatPercent, formatTime, htmlTable } from './format';
import { drawLineageTree } from './lineage-tree';
import { card, figure, guarded, hint, renderPage, Section } from './page';
import {
  ancestry,
  experimentTotals,
  lineageFlops,
  rankStandings,
  Standing,
  standingOf,
  STATUSES,
} from './standing';
import { Child, el, fragment, Markup } from './svg';

export interface RenderOptions {
  /** How many of the best candidates get learning curves (default 5). */
  curves?: number;
  /** The time printed as "generated at" (tests pin it). */
  now?: Date;
}

export interface RenderedReport {
  /** report/index.html. */
  html: string;
  /** Standalone SVG figures, by file name under report/. */
  files: Record<string, string>;
  /** What was missing or damaged, as shown on the page. */
  notes: string[];
  /** Per-operation statistics over the lineage, as the page shows them. */
  operations: OperationStat[];
}

/** A file name for a candidate id (ids come from files and may hold anything). */
const fileSafe = (id: string): string => id.replace(/[^A-Za-z0-9._-]/g, '_');
const joinKey = (...parts: string[]): string => parts.filter((p) => p !== '').join('/');

async function loadGraph(store: ArtifactStore, prefix: string, c: CandidateData): Promise<Graph> {
  const key = joinKey(prefix, 'candidates', c.id, 'graph.json');
  const text = await store.getText(key);
  const want = c.meta?.files['graph.json'].sha256;
  if (want && sha256Hex(text) !== want) {
    throw new Error(`${store.uri}/${key} does not match the sha256 in meta.json; the file is damaged`);
  }
  return parseGraphJson(text, `${store.uri}/${key}`);
}

function summarySection(data: ExperimentData, ranked: readonly Standing[]): Section {
  const t = experimentTotals(data, ranked);
  const counts = STATUSES.filter((s) => t.byStatus[s] > 0).map(
    (s) => `${t.byStatus[s]} ${s === 'untrained' ? 'not trained' : s}`,
  );
  const running = t.byStatus.running > 0;
  return {
    id: 'summary',
    title: 'Summary',
    body: el(
      'div',
      { class: 'cards' },
      card('Experiment', t.config?.name ?? data.id, data.id),
      card(
        'Strategy',
        t.config?.strategy?.name ?? 'unknown',
        [t.config?.strategy?.detail, t.config?.start ? `starting from ${t.config.start.name}` : null]
          .filter(Boolean)
          .join(' · ') || undefined,
      ),
      card('Dataset', t.config?.dataset?.name ?? 'unknown', t.config?.dataset?.detail ?? undefined),
      card('Candidates', String(t.candidates), counts.join(' · ') || 'none yet'),
      card(
        'Best val accuracy',
        t.best ? formatPercent(t.best.valAcc) : '—',
        t.best
          ? `candidate ${t.best.id}${t.best.testAcc !== null ? ` · test ${formatPercent(t.best.testAcc)}` : ''}`
          : 'nothing trained yet',
      ),
      card(
        running ? 'Wall time so far' : 'Wall time',
        formatDuration(t.wallSeconds),
        t.startedAt ? `${formatTime(t.startedAt)} → ${formatTime(t.lastEventAt)}` : undefined,
      ),
      card('Training time', formatDuration(t.trainSeconds), 'summed over every run'),
      ...(t.trainFlops === null
        ? []
        : [
            card(
              'Training FLOPs',
              formatCount(t.trainFlops),
              'every run of the search: samples × (forward + backward)',
            ),
          ]),
    ),
  };
}

/** What the test column means: a search never looks at the test split to rank. */
export const TEST_ACC_NOTE =
  'test accuracy of the finalists, scored once after the search; candidates are ranked by validation accuracy';

function statusPill(s: Standing): Markup {
  return el(
    'span',
    { class: `status status-${s.status}` },
    s.status === 'untrained' ? 'not trained' : s.status,
  );
}

function leaderboardSection(
  ranked: readonly Standing[],
  bestId: string | null,
  experimentId: string,
): Section {
  const rank = new Map(ranked.map((s, i) => [s.id, s.valAcc === null ? null : i + 1]));
  const flops = lineageFlops(ranked);
  const table = htmlTable<Standing>(
    [
      { header: '#', cell: (s) => (rank.get(s.id) === null ? '' : String(rank.get(s.id))), numeric: true },
      { header: 'candidate', cell: (s) => el('code', {}, s.id) },
      { header: 'parent', cell: (s) => (s.parent === null ? '—' : el('code', {}, s.parent)) },
      {
        header: 'operation',
        cell: (s) =>
          s.control
            ? el('span', { class: 'op' }, `scratch control of ${s.control}`)
            : s.operation === null
              ? '—'
              : el('span', { class: 'op' }, s.operation),
      },
      { header: 'params', cell: (s) => formatCount(s.params), numeric: true },
      {
        header: 'val acc',
        cell: (s) => formatPercent(s.valAcc),
        numeric: true,
        title: 'best validation accuracy of its best run',
      },
      ...(ranked.some((s) => s.score !== null)
        ? [
            {
              header: 'score',
              cell: (s: Standing) => (s.score === null ? '—' : s.score.toFixed(4)),
              numeric: true,
              title: 'what ranked it: val acc minus the size penalty of the config (ranking.penalty)',
            },
          ]
        : []),
      {
        header: 'test acc',
        cell: (s) => formatPercent(s.testAcc),
        numeric: true,
        title: TEST_ACC_NOTE,
      },
      { header: 'epochs', cell: (s) => (s.epochs === null ? '—' : String(s.epochs)), numeric: true },
      ...(ranked.some((s) => s.trainFlops !== null)
        ? [
            {
              header: 'lineage FLOPs',
              cell: (s: Standing) => formatCount(flops.get(s.id)),
              numeric: true,
              title:
                'training FLOPs of its runs and its ancestors’ runs: samples seen × (forward + backward) FLOPs per sample',
            },
          ]
        : []),
      {
        header: 'gen',
        cell: (s) => (s.generation === null ? '—' : String(s.generation)),
        numeric: true,
        title: 'generation',
      },
      { header: 'status', cell: statusPill },
      {
        header: 'export',
        cell: (s) => el('code', { class: 'cmd' }, exportCommand(experimentId, s.id)),
        title: 'the command that writes this candidate as ONNX (or --format tfjs|keras)',
      },
    ],
    ranked,
    (s) => (s.id === bestId ? 'best' : undefined),
  );
  const body = el('div', { class: 'scroll tall' }, table);
  if (!ranked.some((s) => s.finalist)) return { id: 'leaderboard', title: 'Leaderboard', body };
  return {
    id: 'leaderboard',
    title: 'Leaderboard',
    body: fragment(hint(`test acc: ${TEST_ACC_NOTE}.`), body),
  };
}

function stageTable(stages: readonly GrowthStage[]): Markup {
  const rows = stages.map((st, i) => ({ ...st, n: i + 1 }));
  return htmlTable<(typeof rows)[number]>(
    [
      { header: 'stage', cell: (r) => String(r.n), numeric: true },
      { header: 'candidate', cell: (r) => el('code', {}, r.standing.id) },
      { header: 'operation', cell: (r) => el('span', { class: 'op' }, r.standing.operation ?? '—') },
      { header: 'params', cell: (r) => formatCount(r.standing.params), numeric: true },
      { header: 'epochs', cell: (r) => String(r.epochs), numeric: true },
      { header: 'best val acc', cell: (r) => formatPercent(r.standing.valAcc), numeric: true },
    ],
    rows,
  );
}

export async function renderReport(
  store: ArtifactStore,
  experimentPrefix: string,
  opts: RenderOptions = {},
): Promise<RenderedReport> {
  const data = await collectExperiment(store, experimentPrefix);
  const ranked = rankStandings(data.candidates.map(standingOf));
  // The scratch control is shown beside the candidates but never wins the search.
  const best = ranked.find((s) => s.valAcc !== null && !s.control) ?? null;
  const operations = operationStats(data.lineage);
  const files: Record<string, string> = {};
  const keep = (name: string, svg: Markup): Markup => {
    files[name] = `${svg.text}\n`;
    return svg;
  };
  const sections: Section[] = [
    summarySection(data, ranked),
    leaderboardSection(ranked, best?.id ?? null, data.id),
  ];

  sections.push(
    ...present(
      scratchSection(scratchOf(data.lineage)),
      operationsSection(operations),
      earlyStopSection(data.lineage),
    ),
  );

  sections.push({
    id: 'lineage',
    title: 'Lineage',
    body: fragment(
      hint(
        'Every candidate, coloured by validation accuracy; each edge is labelled with the command(s) that made the child. Hover a box for details.',
      ),
      guarded(() => figure(null, keep('lineage.svg', drawLineageTree(ranked, best?.id ?? null)))),
    ),
  });

  const leaders = ranked.filter((s) => s.bestRun !== null).slice(0, opts.curves ?? 5);
  sections.push({
    id: 'curves',
    title: 'Learning curves',
    body: guarded(() => {
      if (leaders.length === 0) return hint('No training curves yet.');
      const c = learningCurves(leaders, 'curves');
      return fragment(
        hint(
          `The ${leaders.length} best candidates, each from its best run. Solid: validation; dashed: training.`,
        ),
        el(
          'div',
          { class: 'row' },
          figure(null, keep('loss.svg', c.loss)),
          figure(null, keep('accuracy.svg', c.accuracy)),
        ),
      );
    }),
  });

  const parentOf = new Map(ranked.map((s) => [s.id, s.parent]));
  const byId = new Map(ranked.map((s) => [s.id, s]));
  if (best) {
    sections.push({
      id: 'growth',
      title: 'Growth path',
      body: guarded(() => {
        const path = ancestry(best.id, parentOf).map((id) => byId.get(id)!);
        const stages = growthStages(path);
        const costed = computeSeries(path, ranked, 'flops').length > 0;
        return fragment(
          hint(
            `From the first network to the best one (${best.id}), every stage's epochs end to end; a numbered marker is where a mutation applied.`,
          ),
          figure(null, keep('growth.svg', growthChart(stages, 'growth'))),
          stageTable(stages),
          ...(costed
            ? [
                hint(
                  'The same path against what it cost: each stage placed after everything its ancestors cost (every run, retries included), beside the continue controls along the path (the parent unchanged, trained on from the same point) and the scratch control (the winner’s architecture from random weights), where the search ran them.',
                ),
                el(
                  'div',
                  { class: 'row' },
                  figure(
                    null,
                    keep('compute-flops.svg', computeChart(path, ranked, 'flops', 'compute-flops')),
                  ),
                  figure(
                    null,
                    keep('compute-time.svg', computeChart(path, ranked, 'seconds', 'compute-time')),
                  ),
                ),
              ]
            : []),
        );
      }),
    });
  }

  sections.push({
    id: 'architecture',
    title: 'Architecture',
    body: await architectureBody(store, data, best, byId, keep),
  });

  if (data.configText !== null) {
    sections.push({
      id: 'config',
      title: 'Configuration',
      body: el(
        'details',
        {},
        el('summary', {}, 'experiment.json'),
        el('pre', {}, prettyJson(data.configText)),
      ),
    });
  }

  const name = data.config?.name ?? data.id;
  const html = renderPage({
    title: `netgrow report — ${name}`,
    subtitle: `experiment ${data.id} · ${data.storeUri}/${data.prefix}`,
    notes: data.notes,
    sections,
    footer: `Generated by netgrow at ${formatTime((opts.now ?? new Date()).toISOString())}. Figures are also saved as SVG files beside this page.`,
  });
  return { html, files, notes: data.notes, operations };
}

function prettyJson(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

async function architectureBody(
  store: ArtifactStore,
  data: ExperimentData,
  best: Standing | null,
  byId: Map<string, Standing>,
  keep: (name: string, svg: Markup) => Markup,
): Promise<Child> {
  const candidates = new Map(data.candidates.map((c) => [c.id, c]));
  // Nothing trained yet: draw the newest network that has a checkpoint, so the page still shows one.
  const subject = best
    ? candidates.get(best.id)!
    : [...data.candidates].reverse().find((c) => c.meta !== null);
  if (!subject) return hint('No checkpoint has been written yet.');
  const load = async (c: CandidateData): Promise<Graph | Error> => {
    try {
      return await loadGraph(store, data.prefix, c);
    } catch (e) {
      return e instanceof Error ? e : new Error(String(e));
    }
  };
  const graph = await load(subject);
  const parentData = subject.parent !== null ? candidates.get(subject.parent) : undefined;
  const parentGraph = parentData ? await load(parentData) : null;
  const noteOf = (e: Error): Markup =>
    el('p', { class: 'note' }, `The graph could not be read: ${e.message}`);
  const title = (c: CandidateData, role: string): string => {
    const s = byId.get(c.id);
    return `${role}: ${c.id}${s?.valAcc !== null && s?.valAcc !== undefined ? ` (val acc ${formatPercent(s.valAcc)})` : ''}`;
  };
  const usable = parentGraph instanceof Error ? null : parentGraph;
  const drawings: Child[] = [];
  if (graph instanceof Error) drawings.push(figure(title(subject, best ? 'Best' : 'Latest'), noteOf(graph)));
  else {
    drawings.push(
      guarded(() => {
        const d = usable ? diffGraphs(graph, usable) : null;
        const caption = d
          ? `${subject.operation ?? 'the last mutation'}: ${d.added.length} node(s) added, ${d.changed.length} changed${d.removed.length ? `, ${d.removed.length} removed` : ''}`
          : null;
        return figure(
          title(subject, best ? 'Best' : 'Latest'),
          keep(
            `architecture-${fileSafe(subject.id)}.svg`,
            drawArchitecture(graph, { parent: usable, idPrefix: 'arch-best' }),
          ),
          caption,
        );
      }),
    );
  }
  if (parentData && parentGraph instanceof Error)
    drawings.push(figure(title(parentData, 'Parent'), noteOf(parentGraph)));
  else if (parentData && usable) {
    const pg = usable;
    drawings.push(
      guarded(() =>
        figure(
          title(parentData, 'Parent'),
          keep(
            `architecture-${fileSafe(parentData.id)}.svg`,
            drawArchitecture(pg, { idPrefix: 'arch-parent' }),
          ),
        ),
      ),
    );
  }
  return fragment(
    hint(
      'Layers top to bottom with output shape and parameters; an activation that follows a single layer is drawn in its box. ',
      el('span', { class: 'key', style: 'border-color:#1a7f37' }),
      'added by the last mutation',
      el('span', { class: 'key', style: 'border-color:#bf8700' }),
      'settings changed by it',
    ),
    el('div', { class: 'row' }, drawings),
  );
}

/** Renders the report and stores it under `<experiment>/report/`; index.html goes last. */
export async function writeReport(
  store: ArtifactStore,
  experimentPrefix: string,
  opts: RenderOptions = {},
): Promise<{ key: string; uri: string; keys: string[]; notes: string[]; operations: OperationStat[] }> {
  const prefix = experimentPrefix.replace(/^\/+|\/+$/g, '');
  const report = await renderReport(store, prefix, opts);
  const keys: string[] = [];
  for (const [name, body] of Object.entries(report.files)) {
    const key = joinKey(prefix, 'report', name);
    await store.put(key, body);
    keys.push(key);
  }
  const key = joinKey(prefix, 'report', 'index.html');
  await store.put(key, report.html);
  keys.push(key);
  return { key, uri: `${store.uri}/${key}`, keys, notes: report.notes, operations: report.operations };
}
