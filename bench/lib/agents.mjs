// What the agents phase needs to know about the simulator's Agents API world: its requests by
// route and session, its truth (GET /_sim/agents/truth, read in-process), the world second a
// wall time falls in, and the spans each root turn should give at the receiver.
//   sessions.retrieve  GET {base}/agents/sessions/{s}
//   turns.list         GET {base}/agents/sessions/{s}/turns
//   traces.list        GET {base}/agents/sessions/{s}/traces
//   sessions.list      GET {base}/agents/sessions (`first` when it has no `after`: a pass begins)
import { syntheticSpanId } from '../../dist/sources/agents/keys.js';

const RE = /\/agents\/sessions\/([^/]+)(?:\/(turns|traces))?$/;
const PAGE = 100;
export const pages = (n) => Math.max(1, Math.ceil(n / PAGE));

/** API requests only (no /_sim control routes), each with { time, status, route, sessionId, limit }. */
export function agentsRequests(sim) {
  return sim
    .requestLog()
    .filter((e) => !e.control)
    .map((e) => {
      const m = e.method === 'GET' ? RE.exec(e.path) : null;
      const query = new URLSearchParams(e.query);
      const limit = Number(query.get('limit') ?? 20);
      if (e.method === 'GET' && /\/agents\/sessions$/.test(e.path))
        return { time: e.time, status: e.status, route: 'sessions.list', sessionId: null, limit, first: !query.has('after') };
      if (!m) return { time: e.time, status: e.status, route: `${e.method} ${e.path}`, sessionId: null, limit };
      const route = m[2] === 'turns' ? 'turns.list' : m[2] === 'traces' ? 'traces.list' : 'sessions.retrieve';
      return { time: e.time, status: e.status, route, sessionId: m[1], limit };
    });
}

/** The world second a wall-clock ms falls in (the clock is never advanced by hand in the bench). */
export const worldSecondAt = (sim, clockStartMs, speed) => (wallMs) =>
  sim.world.clock.startEpoch + Math.floor(((wallMs - clockStartMs) * speed) / 1000);

export const rootTurns = (truth) => truth.turns.filter((t) => t.subagentId === null);

/** A root turn's trace as the traces list shows it at world second `at`: null when not listed, else how many parts. */
export function listedParts(turn, at) {
  const tr = turn.trace;
  if (tr === null || tr.publishAt === null || tr.publishAt > at || tr.tooLarge === 'alone') return null;
  return tr.completeAt !== null && tr.completeAt <= at ? tr.parts : 1;
}

/**
 * The span ids a root turn should give when its session's traces were read at world second `at`
 * and the turn settled in that look (a trace wait shorter than the backfill's age): the spans of
 * the parts listed then, or its one synthetic span when none was.
 */
export function expectedSpans(turn, at) {
  const parts = listedParts(turn, at);
  if (parts === null) return { published: [], synthetic: syntheticSpanId(turn.turnId) };
  return { published: turn.trace.spans.filter((s) => s.part <= parts).map((s) => s.spanId), synthetic: null };
}

/**
 * The fewest requests that read every finished root turn of a session with its published trace,
 * given the calls the documented API offers: the session once (a turn names only its agent's id;
 * the agent's name and model, which the synthetic spans and the token metrics name, are frozen on
 * the session, and with --agent-session no sessions list is read that would show it), one turns
 * page per 100 turns (subagent turns are in the same list; even an empty session takes one call
 * to say so), and one traces page per 100 published traces (there is no cross-session traces list;
 * one call even when none is published yet, to learn that). The design's own figure leaves the
 * session out; both are returned. The traces cap's refusals (16 MiB, a status the API does not
 * document) are not in the least: any reader pays them, but the bench counts them against the bridge.
 */
export function leastAgentRequests(truth, tracesReadAt) {
  let turnsList = 0;
  let tracesList = 0;
  for (const session of truth.sessions) {
    const turns = truth.turns.filter((t) => t.sessionId === session.id);
    turnsList += pages(turns.length);
    const at = tracesReadAt.get(session.id) ?? truth.now;
    tracesList += pages(turns.filter((t) => t.subagentId === null && listedParts(t, at) !== null).length);
  }
  const sessions = truth.sessions.length;
  return { sessions, turnsList, tracesList, total: sessions + turnsList + tracesList, design: turnsList + tracesList };
}
