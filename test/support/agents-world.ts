// The simulator's Agents API world as the agents e2e tests see it: its truth, a world of finished
// sessions, the `watch --agent-session` arguments, and the spans a bridge must deliver for it
// (every span of each readable root turn trace, one synthetic span for each other root turn).
import { expect } from 'vitest';
import {
  startSimulator,
  type AgentsTruth,
  type AgentsTruthTurn,
  type AgentsWorldSpec,
  type RunningSimulator,
} from '../../src/simulator/index.js';
import { syntheticTraceId } from '../../src/sources/agents/keys.js';
import type { ReceivedSpan } from './otlp-receiver/types.js';

/** The --agent-trace-wait of the agents e2e tests. */
export const TRACE_WAIT_SECONDS = 5;

export async function agentsTruth(s: RunningSimulator): Promise<AgentsTruth> {
  const response = await fetch(`${s.origin}/_sim/agents/truth`);
  return (await response.json()) as AgentsTruth;
}

/** A world of finished sessions: every kind of root turn, their traces published (or not) a few seconds after each ended. */
export async function finishedWorld(
  seed: number,
  agents: AgentsWorldSpec = {},
): Promise<{ sim: RunningSimulator; truth: AgentsTruth; sessions: string[] }> {
  const s = await startSimulator({
    seed,
    clock: { speed: 1 },
    world: { threads: 1, backfillRuns: 0, liveRuns: 0 },
    agents: { sessions: 3, backfillTurns: 14, liveSessions: 0, liveTurns: 0, publishDelaySeconds: [1, 3], ...agents },
  });
  const truth = await agentsTruth(s);
  return { sim: s, truth, sessions: truth.sessions.map((x) => x.id) };
}

export function watchArgs(sessions: string[], statePath: string, extra: string[] = []): string[] {
  return [
    'watch',
    ...sessions.flatMap((id) => ['--agent-session', id]),
    '--agent-trace-wait',
    `${TRACE_WAIT_SECONDS}s`,
    '--state',
    statePath,
    '--listen',
    'off',
    '--log-format',
    'json',
    '--active-interval',
    '200',
    ...extra,
  ];
}

export const roots = (truth: AgentsTruth): AgentsTruthTurn[] => truth.turns.filter((t) => t.subagentId === null);

/**
 * Root turns whose trace the bridge can read before the turn settles, or had been published when
 * the bridge first looked (`from`, the simulator's clock when the bridge started): their spans are
 * forwarded as published. One published after the wait (the `late` kind) while the bridge was
 * watching, never, too large to list, or not OTLP at all stands as a synthetic span.
 */
export const readable = (t: AgentsTruthTurn, from = Number.NEGATIVE_INFINITY): boolean =>
  t.trace !== null &&
  t.trace.publishAt !== null &&
  t.trace.tooLarge !== 'alone' &&
  t.trace.shape !== 'not_otlp' &&
  t.trace.publishAt <= Math.max((t.turn.completed_at as number) + TRACE_WAIT_SECONDS, from);

export const spanKey = (s: { traceId: string; spanId: string }): string => `${s.traceId}/${s.spanId}`;

/** Seconds after `from` within which the bridge's first look at a session may come. */
const FIRST_LOOK_SECONDS = 60;

/** `from`: when the bridge started (simulator clock); `only`: the root turns it was asked to trace (default: all). */
export function expectedKeys(
  truth: AgentsTruth,
  from = Number.NEGATIVE_INFINITY,
  only: (t: AgentsTruthTurn) => boolean = () => true,
): { published: string[]; synthetic: string[] } {
  // A late trace published while the bridge makes its first looks may or may not be read before its turn settles.
  const unsure = roots(truth)
    .filter(only)
    .filter(
      (t) =>
        t.trace?.publishAt != null &&
        t.trace.publishAt > (t.turn.completed_at as number) + TRACE_WAIT_SECONDS &&
        t.trace.publishAt > from &&
        t.trace.publishAt <= from + FIRST_LOOK_SECONDS,
    );
  if (unsure.length > 0) throw new Error(`a trace is published as the bridge starts (${unsure[0]!.turnId}): choose another seed`);
  const published = roots(truth)
    .filter(only)
    .filter((t) => readable(t, from))
    .flatMap((t) => t.trace!.spans.map((s) => spanKey({ traceId: t.trace!.traceId, spanId: s.spanId })));
  const synthetic = roots(truth)
    .filter(only)
    .filter((t) => !readable(t, from))
    .map((t) => syntheticTraceId(t.turnId));
  return { published, synthetic };
}

/** Every published span of a readable trace once (readable from `from` on), one synthetic `invoke_agent` span per other root turn, nothing else. */
export function expectExactlyOnce(
  spans: readonly ReceivedSpan[],
  truth: AgentsTruth,
  from = Number.NEGATIVE_INFINITY,
  only: (t: AgentsTruthTurn) => boolean = () => true,
): void {
  const { published, synthetic } = expectedKeys(truth, from, only);
  const received = spans.map(spanKey);
  expect(new Set(received).size).toBe(received.length);
  expect(received.filter((k) => !synthetic.some((t) => k.startsWith(`${t}/`))).sort()).toEqual([...published].sort());
  for (const traceId of synthetic) {
    const stand = spans.filter((s) => s.traceId === traceId);
    expect(stand.map((s) => s.name.split(' ')[0])).toEqual(['invoke_agent']);
  }
}
