/**
 * Linear learning-rate warm-up (Goyal et al. 2017, §2.2): over the first `warmupEpochs` of a run
 * the schedule's rate is scaled by a factor that rises by equal steps to 1, so a high peak rate
 * (and a fresh batch norm) does not throw the first updates off. Step k (0-based) of W warm-up
 * steps gets (k + 1) / W: the first step moves, the last warm-up step runs at the full rate.
 */
export function warmupFactor(
  warmupEpochs: number | undefined,
  epoch: number,
  stepInEpoch: number,
  stepsPerEpoch: number,
): number {
  if (!warmupEpochs) return 1;
  const steps = Math.max(1, Math.round(warmupEpochs * stepsPerEpoch));
  return Math.min(1, (epoch * stepsPerEpoch + stepInEpoch + 1) / steps);
}
