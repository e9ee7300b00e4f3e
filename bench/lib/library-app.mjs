// The app of the live phase's library share: it starts its runs through an `openai` client wrapped
// by traceRuns (registered with the bridge's control address) and submits their tool outputs
// itself, through the wrapped client, once its "function tools" have run for a drawn time. It
// learns when a run starts waiting, and for which calls, from the simulator's world instead of
// polling (an app would poll, e.g. createAndPoll), so its requests are POSTs only and stay apart
// from the bridge's, which only reads.
import OpenAI from 'openai';
import { flushRegistrations, registrationStats, traceRuns } from '../../dist/index.js';
import { prng } from './draws.mjs';
import { sleep } from './stats.mjs';

/** Share of each kind's arrivals started by the app with the library. */
export const LIBRARY_SHARE = 0.5;

/** Seconds the app's tools take: the simulator's own draw for the outputs of runs nobody attends (plans.ts autoSubmitAfter). */
export const TOOL_SECONDS = { tools: [2, 8], requires_action: [10, 40] };

/**
 * Marks `share` of each kind's arrivals (rounded up) for the app with the library, by a seeded
 * shuffle, so every kind that waits is split; draws each marked arrival's tool time. A stream of
 * its own: the arrivals drawn from `seed` stay the same.
 */
export function withLibraryShare(seed, plan, share) {
  const next = prng((seed ^ 0x11b7a9) >>> 0);
  const keys = plan.map(() => next());
  const byKind = new Map();
  plan.forEach((a, i) => byKind.set(a.kind, [...(byKind.get(a.kind) ?? []), i]));
  const marked = new Set();
  for (const indexes of byKind.values()) {
    const shuffled = [...indexes].sort((x, y) => keys[x] - keys[y]);
    for (const i of shuffled.slice(0, Math.ceil(indexes.length * share))) marked.add(i);
  }
  return plan.map((a, i) => {
    const range = TOOL_SECONDS[a.kind];
    const toolSeconds = range ? range[0] + Math.floor(next() * (range[1] - range[0] + 1)) : null;
    return { ...a, library: marked.has(i), toolSeconds: marked.has(i) ? toolSeconds : null };
  });
}

/** The app, against `sim`, registering its runs with the bridge at `bridgeUrl`. */
export function startLibraryApp({ sim, toWallMs, bridgeUrl }) {
  /** Every registration the bridge answered, by run: wall ms. */
  const registrations = new Map();
  const recordRegistration = async (input, init) => {
    const response = await fetch(input, init);
    if (response.ok) {
      const { run_id: runId } = JSON.parse(init.body);
      registrations.set(runId, [...(registrations.get(runId) ?? []), Date.now()]);
    }
    return response;
  };
  /** `POST {path}` of every API request the app made, to tell them from the bridge's. */
  const routes = new Set();
  const recordRequest = (input, init) => {
    const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
    routes.add(`${init?.method ?? 'GET'} ${url.pathname}`);
    return fetch(input, init);
  };
  const client = traceRuns(new OpenAI({ apiKey: sim.apiKey, baseURL: sim.url, maxRetries: 0, fetch: recordRequest }), {
    bridgeUrl,
    fetch: recordRegistration,
  });
  const attending = [];
  const runIds = new Set();
  const submitted = new Map();
  const errors = [];

  /** Waits out the run's tool time from the moment it starts waiting, then submits its outputs. */
  async function attend(runId, toolSeconds) {
    const state = sim.world.findRun(runId);
    const action = state?.timeline.action;
    if (!action || toolSeconds === null) return;
    // The world clock shows second S from toWallMs(S) on; a few ms more so it surely does.
    await sleep(Math.max(0, toWallMs(action.from + toolSeconds) + 10 - Date.now()));
    const step = state.plan.steps[action.stepIndex];
    const callIds = state.callIds[action.stepIndex].filter((_, i) => step.toolCalls[i]?.type === 'function');
    const tool_outputs = callIds.map((id) => ({ tool_call_id: id, output: '{"ok":true}' }));
    await client.beta.threads.runs.submitToolOutputs(runId, { thread_id: state.threadId, tool_outputs });
    submitted.set(runId, Date.now());
  }

  return {
    /** Starts the arrival's run on `threadId` when the thread is free; false when it is not (yet). */
    async start(threadId, arrival) {
      const thread = sim.world.findThread(threadId);
      if (sim.world.activeRun(thread, sim.world.now())) return false;
      sim.world.scriptNextClientRun(threadId, { kind: arrival.kind, autoSubmit: false });
      const assistant = sim.world.assistants[runIds.size % sim.world.assistants.length];
      const run = await client.beta.threads.runs.create(threadId, { assistant_id: assistant.id });
      runIds.add(run.id);
      attending.push(attend(run.id, arrival.toolSeconds).catch((error) => errors.push(`${run.id}: ${error.message}`)));
      return true;
    },
    runIds,
    /** The app's own API requests (`METHOD path`), not the bridge's. */
    isAppRoute: (route) => routes.has(route),
    /** When the bridge first answered the run's registration (wall ms), or null. */
    registeredAt: (runId) => registrations.get(runId)?.[0] ?? null,
    /** Waits until every run's outputs are in and every registration settled. */
    async finish() {
      await Promise.all(attending);
      await flushRegistrations(client);
      const autoSubmitted = [...runIds].filter((id) => sim.world.findRun(id)?.timeline.autoSubmitted).length;
      return {
        runs: runIds.size,
        submits: submitted.size,
        renewals: [...registrations.values()].reduce((n, times) => n + Math.max(0, times.length - 1), 0),
        autoSubmitted,
        registration: registrationStats(client),
        errors,
      };
    },
  };
}
