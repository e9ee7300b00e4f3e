// Shared pieces of the agents source's mapping tests: OTLP/JSON spans written by hand, the
// simulator's published traces generated in-process, and a record's values in the plain form the
// test OTLP receiver decodes to, so the two can be compared field by field.
import type { AttributeValue, Attributes } from '../../../src/core/span-record.js';
import { createClock } from '../../../src/simulator/clock.js';
import type { TurnRecord } from '../../../src/simulator/agents/state.js';
import { AgentsWorld } from '../../../src/simulator/agents/world.js';
import type { AgentsWorldSpec } from '../../../src/simulator/agents/worldgen.js';
import type { ContentSettings } from '../../../src/sources/agents/content.js';
import type { ForwardInput } from '../../../src/sources/agents/forward.js';
import type { AgentSessionContext } from '../../../src/sources/agents/session-context.js';
import type { TurnFacts } from '../../../src/sources/agents/turn.js';
import type { AttributeLimits } from '../../../src/sources/agents/value-limits.js';
import type { AttributeValue as ReceivedValue } from '../../support/otlp-receiver/types.js';

export const TRACE_ID = '5b8efff798038103d269b633813fc60c';
export const ROOT_ID = 'eee19b7ec3c1b174';
export const CHILD_ID = 'eee19b7ec3c1b173';

export const LIMITS: AttributeLimits = { attributeValueLengthLimit: 8192, attributeCountLimit: 128 };
export const CONTENT_OFF: ContentSettings = { capture: false, maxLength: 4096 };
export const CONTENT_ON: ContentSettings = { capture: true, maxLength: 4096 };

/** One OTLP/JSON span; `extra` overrides or adds fields. */
export function otlpSpan(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    traceId: TRACE_ID,
    spanId: CHILD_ID,
    parentSpanId: ROOT_ID,
    flags: 0x101,
    name: 'chat gpt-5.1',
    kind: 3,
    startTimeUnixNano: '1760000000123456789',
    endTimeUnixNano: '1760000001987654321',
    attributes: [{ key: 'gen_ai.operation.name', value: { stringValue: 'chat' } }],
    events: [],
    links: [],
    status: { code: 0 },
    ...extra,
  };
}

export const rootSpan = (extra: Record<string, unknown> = {}): Record<string, unknown> =>
  otlpSpan({ spanId: ROOT_ID, parentSpanId: undefined, name: 'invoke_agent Support Triage', kind: 1, ...extra });

/** An ExportTraceServiceRequest of one resource and one scope holding `spans`. */
export function request(
  spans: unknown[],
  resource: Record<string, unknown> = { attributes: [{ key: 'service.name', value: { stringValue: 'openai-agents' } }] },
) {
  return { resourceSpans: [{ resource, scopeSpans: [{ scope: { name: 'openai.agents', version: '1.0.0' }, spans }] }] };
}

export const SESSION: AgentSessionContext = {
  sessionId: 'sess_1',
  agentId: 'agent_1',
  agentName: 'Support Triage',
  model: 'gpt-5.1',
  firstSeenSeconds: 1_760_000_000,
};

export function turnFacts(extra: Partial<TurnFacts> = {}): TurnFacts {
  return {
    id: 'turn_1',
    status: 'completed',
    agentId: 'agent_1',
    subagentId: null,
    createdAt: 1_760_000_100,
    startedAt: 1_760_000_102,
    completedAt: 1_760_000_130,
    usage: {
      input_tokens: 1200,
      input_tokens_details: { cached_tokens: 300 },
      output_tokens: 80,
      output_tokens_details: { reasoning_tokens: 20 },
      total_tokens: 1280,
    },
    error: null,
    ...extra,
  };
}

export function forwardInput(otlp: unknown, extra: Partial<ForwardInput> = {}): ForwardInput {
  return {
    otlp,
    turn: { sessionId: 'sess_1', turnId: 'turn_1', agentId: 'agent_1' },
    settled: false,
    turnEnd: '1760000130000000000',
    exported: () => false,
    content: CONTENT_OFF,
    limits: LIMITS,
    resource: { 'service.name': 'openai-assistants' },
    history: false,
    ...extra,
  };
}

/** A record's value as the test receiver decodes it: ints as numbers (or exact strings), bytes as base64, kvlists as objects. */
export function plain(value: AttributeValue): ReceivedValue {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(plain);
  if ('int' in value) return Number.isSafeInteger(Number(value.int)) ? Number(value.int) : value.int;
  if ('double' in value) return value.double;
  if ('bytes' in value) return value.bytes;
  return Object.fromEntries(value.kvlist.map((kv) => [kv.key, plain(kv.value)]));
}

export const plainAttributes = (attributes: Attributes): Record<string, ReceivedValue> =>
  Object.fromEntries(Object.entries(attributes).map(([k, v]) => [k, plain(v)]));

export interface SimulatedTurn {
  sessionId: string;
  turn: TurnRecord;
  /** The trace list entry as published in each part (1, or 1 and 2), parsed. */
  parts: { id: string; session_id: string; otlp: unknown }[];
}

/** A settled simulated Agents world and every root turn's published trace, part by part. */
export function simulatedTurns(seed: number, spec: AgentsWorldSpec = {}): { world: AgentsWorld; turns: SimulatedTurn[] } {
  const clock = createClock({ startEpoch: 1_760_000_000, speed: 0 });
  const world = new AgentsWorld(seed, clock, { traceResponseCapBytes: 65_536, ...spec });
  for (let i = 0; i < 120 && !world.truth().allSettled; i++) clock.advance(60);
  const turns: SimulatedTurn[] = [];
  for (const session of world.sessionUniverse()) {
    for (const turn of session.turns) {
      const final = world.finalTrace(turn.id);
      const count = final === null ? 0 : world.traceModel(turn).parts;
      const parts = Array.from({ length: count }, (_, i) => JSON.parse(world.traceEntry(turn, i + 1)) as SimulatedTurn['parts'][number]);
      turns.push({ sessionId: session.id, turn, parts });
    }
  }
  return { world, turns };
}
