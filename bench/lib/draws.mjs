// Seeded draws shared by the benchmark phases and the soak: the simulator's own PRNG, and the
// kind of a live run, drawn with the simulator's own weights for live runs (no 10-minute
// expiries, no 260-step runs).
import { fillKindWeights, pickWeighted } from '../../dist/simulator/plans.js';

export { mulberry32 as prng } from '../../dist/simulator/prng.js';

/** The kind of the next live run, from `next` (a PRNG giving numbers in [0, 1)). */
export function drawLiveKind(next) {
  return pickWeighted(fillKindWeights(true), next());
}
