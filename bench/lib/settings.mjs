// Benchmark sizes, from BENCH_* environment variables; BENCH_QUICK=1 shrinks every default for a
// smoke run of a minute or two.
const QUICK = process.env.BENCH_QUICK === '1';

function num(name, full, quick) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return QUICK ? quick : full;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0) throw new RangeError(`${name} must be a non-negative number, got '${raw}'`);
  return value;
}

export const PHASES = ['backfill', 'live', 'throughput', 'scale', 'agents', 'responses', 'webhooks'];

export function readSettings() {
  const phases = (process.env.BENCH_PHASES ?? PHASES.join(','))
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean);
  for (const p of phases) if (!PHASES.includes(p)) throw new RangeError(`BENCH_PHASES: unknown phase '${p}' (known: ${PHASES.join(', ')})`);
  return {
    quick: QUICK,
    seed: num('BENCH_SEED', 42, 42),
    phases,
    out: process.env.BENCH_OUT ?? 'BENCHMARKS.md',
    backfill: {
      threads: num('BENCH_BACKFILL_THREADS', 40, 8),
      runs: num('BENCH_BACKFILL_RUNS', 2000, 200),
      rpm: num('BENCH_BACKFILL_RPM', 100_000, 100_000),
    },
    live: {
      threads: num('BENCH_LIVE_THREADS', 3, 2),
      runs: num('BENCH_LIVE_RUNS', 24, 4),
      windowSeconds: num('BENCH_LIVE_WINDOW_S', 150, 30),
      /** The second live bridge's budget: half the default, below what the load asks, to show what a budget that binds costs. */
      secondRpm: num('BENCH_LIVE_SECOND_RPM', 60, 60),
    },
    waiting: {
      runs: num('BENCH_WAIT_RUNS', 3, 2),
      seconds: num('BENCH_WAIT_SECONDS', 180, 70),
    },
    throughput: {
      runs: num('BENCH_TP_RUNS', 2000, 300),
      steps: num('BENCH_TP_STEPS', 10, 10),
      toolCalls: num('BENCH_TP_TOOLS', 2, 2),
      // Five: rounds on this shared 2-core machine swing by a fifth either way; the median of five holds still.
      rounds: num('BENCH_TP_ROUNDS', 5, 1),
    },
    scale: {
      total: num('BENCH_SCALE_RUNS', 10_000, 1_000),
      active: num('BENCH_SCALE_ACTIVE', 1_000, 100),
      waiting: num('BENCH_SCALE_WAITING', 1_000, 100),
      rpm: num('BENCH_SCALE_RPM', 6_000, 1_200),
      seconds: num('BENCH_SCALE_SECONDS', 180, 30),
      speed: num('BENCH_SCALE_SPEED', 0.1, 0.1),
    },
    agents: {
      // Backfill: finished sessions, root turns spread over them, bridge and bare-SDK rounds.
      sessions: num('BENCH_AG_SESSIONS', 50, 10),
      turns: num('BENCH_AG_TURNS', 1000, 100),
      rounds: num('BENCH_AG_ROUNDS', 3, 1),
      // Live turns on tracked sessions at the defaults, then up to settleSeconds for the last traces.
      liveSessions: num('BENCH_AG_LIVE_SESSIONS', 8, 4),
      liveTurns: num('BENCH_AG_LIVE_TURNS', 24, 8),
      liveWindowSeconds: num('BENCH_AG_LIVE_WINDOW_S', 60, 30),
      settleSeconds: num('BENCH_AG_SETTLE_S', 60, 40),
      // Idle: long enough after the backfill for the looks to back off to their slowest pace (60 s).
      idleSessions: num('BENCH_AG_IDLE_SESSIONS', 1000, 200),
      idleSeconds: num('BENCH_AG_IDLE_SECONDS', 210, 45),
    },
    responses: {
      backfill: num('BENCH_RESP_BACKFILL', 2000, 300),
      liveResponses: num('BENCH_RESP_LIVE', 30, 10),
      liveWindowSeconds: num('BENCH_RESP_LIVE_WINDOW_S', 60, 30),
      settleSeconds: num('BENCH_RESP_SETTLE_S', 60, 30),
    },
    webhooks: {
      // (a) Background responses announced by the simulator's dispatcher, the bridge at its defaults.
      lagResponses: num('BENCH_WH_LAG_RESPONSES', 40, 16),
      lagWindowSeconds: num('BENCH_WH_LAG_WINDOW_S', 60, 20),
      lagSettleSeconds: num('BENCH_WH_LAG_SETTLE_S', 30, 20),
      // (b) Signed deliveries a second, for how long, and how long to wait after for every trace.
      rate: num('BENCH_WH_RATE', 200, 200),
      seconds: num('BENCH_WH_SECONDS', 30, 5),
      settleSeconds: num('BENCH_WH_SETTLE_S', 120, 60),
      // The intake bridge's request budget: generous, so the retrieves the traces need keep up.
      rpm: num('BENCH_WH_RPM', 100_000, 100_000),
    },
  };
}

/** The BENCH_* variables set for this run, for the record. */
export function benchEnv() {
  return Object.entries(process.env)
    .filter(([k]) => k.startsWith('BENCH_'))
    .map(([k, v]) => `${k}=${v}`)
    .sort();
}
