/**
 * What activities are built from: the clients production and tests differ in. No module-level
 * singletons — `createActivities(deps)` closes over these.
 */
import { TrainExecutor } from '../src/executor/executor';
import { ArtifactStore } from '../src/storage/store';

export interface ActivityDeps {
  executor: TrainExecutor;
  /** Opens a store for a URI (file:// or s3://; credentials come from the environment). */
  openStore: (uri: string) => ArtifactStore;
  /** Check each mutation's function preservation with tfjs (default true). */
  checkMutations?: boolean;
  /** Where activity progress lines go (default: nowhere; the worker prints its own). */
  log?: (line: string) => void;
  /** Milliseconds between the train activity's timer heartbeats (default 5000). */
  trainHeartbeatMs?: number;
  /** Milliseconds between heartbeats while a child process scores checkpoints (default 5000). */
  scoreHeartbeatMs?: number;
  /** Milliseconds between heartbeats while a mutation's preservation check runs (default 5000). */
  mutateHeartbeatMs?: number;
  /** The netgrow entry script that scoring child processes run; default bin/netgrow.js. */
  netgrowBin?: string;
}
