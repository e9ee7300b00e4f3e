// The simulator in the bench's process, plus what the bench needs to know about its world:
// exact wall times of server-side events, span ids each run should produce.
import { startSimulator } from '../../dist/simulator/index.js';
import { runSpanId, stepSpanId } from '../../dist/mapping/ids.js';

/**
 * Starts a simulator and records the wall-clock ms at which its world clock started, so a world
 * time converts back to the wall time at which the server began to show it. The clock shows
 * world second E from the first millisecond at which startEpoch + floor(elapsedMs * speed / 1000)
 * reaches E, i.e. at clockStartMs + (E - startEpoch) * 1000 / speed (never advanced by hand here).
 */
export async function startSim(options) {
  let clockStartMs = null;
  const wallClockMs = () => {
    const t = Date.now();
    // The world's clock reads the wall clock first, when it is created.
    clockStartMs ??= t;
    return t;
  };
  const sim = await startSimulator({ ...options, clock: { ...(options.clock ?? {}), wallClockMs } });
  const { startEpoch, speed } = sim.world.clock;
  const toWallMs = (worldSeconds) => clockStartMs + ((worldSeconds - startEpoch) * 1000) / speed;
  return { sim, toWallMs, clockStartMs, speed };
}

/** POST /_sim/runs: a scripted run now on `threadId`, of `kind` (a random one when omitted). */
export async function startScriptedRun(sim, threadId, kind) {
  const res = await fetch(`${sim.origin}/_sim/runs`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ ...(threadId ? { threadId } : {}), ...(kind ? { kind } : {}) }),
  });
  const body = await res.json();
  if (!res.ok) throw new Error(`POST /_sim/runs: ${res.status} ${JSON.stringify(body)}`);
  return body;
}

/** What a run of the world looks like in span terms, straight from the simulator's own state. */
export function describeRun(run, toWallMs) {
  const tl = run.timeline;
  const steps = tl.steps.map((s) => {
    const stepId = run.stepIds[s.index];
    return {
      stepId,
      spanId: stepSpanId(run.id, stepId),
      terminalWallMs: toWallMs(s.endAt),
      toolCalls: run.plan.steps[s.index].toolCalls.length,
    };
  });
  return {
    runId: run.id,
    threadId: run.threadId,
    kind: run.plan.kind,
    origin: run.origin,
    createdWallMs: toWallMs(tl.createdAt),
    /** When it left `queued` (null: never started). */
    startedWallMs: tl.startedAt === null ? null : toWallMs(tl.startedAt),
    endWallMs: toWallMs(tl.endAt),
    action: tl.action ? { fromWallMs: toWallMs(tl.action.from), untilWallMs: toWallMs(tl.action.until) } : null,
    runSpanId: runSpanId(run.id),
    steps,
    /** run + steps + tool calls */
    spans: 1 + steps.length + steps.reduce((n, s) => n + s.toolCalls, 0),
  };
}

export function worldRuns(sim, toWallMs) {
  return sim.world.runs().map((r) => describeRun(r, toWallMs));
}
