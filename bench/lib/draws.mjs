// Seeded draws shared by the benchmark phases and the soak: the simulator's own PRNG, and the
// kinds a live run is drawn from, weighted as the simulator draws live runs (no 10-minute
// expiries, no 260-step runs).
export { mulberry32 as prng } from '../../dist/simulator/prng.js';

export const LIVE_KINDS = [
  ['message', 4],
  ['tools', 4],
  ['requires_action', 2],
  ['failed', 1],
  ['cancelled', 1],
  ['incomplete', 1],
  ['extra_fields', 1],
  ['unknown_types', 1],
  ['traceparent', 1],
];
