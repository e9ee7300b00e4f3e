// An Agents API world for end-to-end tests: the simulator's truth, and what the bridge must send
// for it (every span of a trace it can read before the turn settles, else one synthetic span).
import { expect } from 'vitest';
import { startSimulator, type AgentsTruth, type AgentsTruthTurn, type RunningSimulator } from '../../src/simulator/index.js';
import { syntheticTraceId } from '../../src/sources/agents/keys.js';
import type { ReceivedSpan } from './otlp-receiver/types.js';

export async function agentsTruth(s: RunningSimulator): Promise<AgentsTruth> {
  const response = await fetch(`${s.origin}/_sim/agents/truth`);
  return (await response.json()) as AgentsTruth;
}

/** A world of finished sessions: every kind of root turn, their traces published (or not) a few seconds after each ended. */
export async function finishedWorld(
  seed: number,
  size: { sessions?: number; backfillTurns?: number } = {},
): Promise<{ sim: RunningSimulator; truth: AgentsTruth; sessions: string[] }> {
  const s = await startSimulator({
    seed,
    clock: { speed: 1 },
    world: { threads: 1, backfillRuns: 0, liveRuns: 0 },
    agents: { sessions: 3, backfillTurns: 14, ...size, liveSessions: 0, liveTurns: 0, publishDelaySeconds: [1, 3] },
  });
  const truth = await agentsTruth(s);
  return { sim: s, truth, sessions: truth.sessions.map((x) => x.id) };
}

export const roots = (truth: AgentsTruth): AgentsTruthTurn[] => truth.turns.filter((t) => t.subagentId === null);
/** The --agent-trace-wait of these tests. */
export const TRACE_WAIT_SECONDS = 5;
/**
 * Root turns whose trace the bridge can read before the turn settles: their spans are forwarded as
 * published. One published after the wait (the `late` kind), never, or too large to list stands as a synthetic span.
 */
export const readable = (t: AgentsTruthTurn): boolean =>
  t.trace !== null &&
  t.trace.publishAt !== null &&
  t.trace.tooLarge !== 'alone' &&
  t.trace.publishAt <= (t.turn.completed_at as number) + TRACE_WAIT_SECONDS;
export const key = (s: { traceId: string; spanId: string }): string => `${s.traceId}/${s.spanId}`;

/** `only`: the root turns the bridge was asked to trace (default: all). */
export function expectedKeys(
  truth: AgentsTruth,
  only: (t: AgentsTruthTurn) => boolean = () => true,
): { published: string[]; synthetic: string[] } {
  const published = roots(truth)
    .filter(only)
    .filter(readable)
    .flatMap((t) => t.trace!.spans.map((s) => key({ traceId: t.trace!.traceId, spanId: s.spanId })));
  const synthetic = roots(truth)
    .filter(only)
    .filter((t) => !readable(t))
    .map((t) => syntheticTraceId(t.turnId));
  return { published, synthetic };
}

export function expectExactlyOnce(
  spans: readonly ReceivedSpan[],
  truth: AgentsTruth,
  only: (t: AgentsTruthTurn) => boolean = () => true,
): void {
  const { published, synthetic } = expectedKeys(truth, only);
  const received = spans.map(key);
  expect(new Set(received).size).toBe(received.length);
  expect(received.filter((k) => !synthetic.some((t) => k.startsWith(`${t}/`))).sort()).toEqual([...published].sort());
  for (const traceId of synthetic) {
    const stand = spans.filter((s) => s.traceId === traceId);
    expect(stand.map((s) => s.name.split(' ')[0])).toEqual(['invoke_agent']);
  }
}
