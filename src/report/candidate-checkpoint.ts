/**
 * Which checkpoint holds a candidate's network: the trained weights of its best run
 * (result.json's `checkpoint`), else the candidate's own folder (the weights it was born
 * with: a seed, or a child that was never trained). `best` is the leaderboard's first
 * candidate with a validation accuracy — the same one the report crowns.
 */
import { joinUri } from '../storage/uri';
import { ArtifactStore } from '../storage/store';
import { collectExperiment, ReportError } from './collect';
import { rankStandings, Standing, standingOf } from './standing';

export interface CandidateCheckpoint {
  candidateId: string;
  /** Absolute URI of the checkpoint folder. */
  uri: string;
  /** False when no run of the candidate left trained weights. */
  trained: boolean;
  valAcc: number | null;
}

export async function candidateCheckpoint(
  store: ArtifactStore,
  experimentPrefix: string,
  candidate: string,
): Promise<CandidateCheckpoint> {
  const data = await collectExperiment(store, experimentPrefix);
  const ranked = rankStandings(data.candidates.map(standingOf));
  let pick: Standing | undefined;
  if (candidate === 'best') {
    pick = ranked.find((s) => s.valAcc !== null);
    if (!pick) throw new ReportError(`experiment '${data.id}' has no trained candidate yet, so no best one`);
  } else {
    pick = ranked.find((s) => s.id === candidate);
    if (!pick) {
      const ids = ranked.map((s) => s.id);
      throw new ReportError(
        `experiment '${data.id}' has no candidate '${candidate}'; it has ${ids.length > 0 ? ids.join(', ') : 'none'}`,
      );
    }
  }
  const trained = pick.bestRun?.result?.checkpoint ?? null;
  return {
    candidateId: pick.id,
    uri: trained ?? joinUri(store.uri, experimentPrefix, 'candidates', pick.id),
    trained: trained !== null,
    valAcc: pick.valAcc,
  };
}

/** The command line that exports a candidate (shown beside it in the report). */
export function exportCommand(experimentId: string, candidateId: string, format = 'onnx'): string {
  const quote = (s: string) => (/^[A-Za-z0-9._-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);
  return `netgrow export ${quote(experimentId)} --candidate ${quote(candidateId)} --format ${format} --out ${quote(`export-${candidateId}`)}`;
}
