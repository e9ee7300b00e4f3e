// Shared helpers for the Agents API tests: the SDK client, raw calls with the Agents beta header,
// the truth, and OTLP JSON decoding with the strict receiver's rules.
import OpenAI from 'openai';
import type { AgentsTruth, AgentsTruthTurn, RunningSimulator } from '../../src/simulator/index.js';
import { decodeTraceRequest } from '../support/otlp-receiver/decode.js';
import { spansOf } from '../support/otlp-receiver/normalize.js';
import type { ReceivedSpan } from '../support/otlp-receiver/types.js';
import type { WireTraceRequest } from '../support/otlp-receiver/wire.js';
import { advance, api, control, type CallOptions, type JsonResponse } from './helpers.js';

export const AGENTS_BETA = { 'openai-beta': 'agents=v1' };

export function sdk(sim: RunningSimulator, options: { apiKey?: string; maxRetries?: number } = {}): OpenAI {
  return new OpenAI({ apiKey: options.apiKey ?? sim.apiKey, baseURL: sim.url, maxRetries: options.maxRetries ?? 0 });
}

/** A raw call with `OpenAI-Beta: agents=v1` (unless `beta: false`). */
export function agentsApi(sim: RunningSimulator, path: string, options: CallOptions = {}): Promise<JsonResponse> {
  return api(sim, path, { ...options, beta: false, headers: { ...(options.beta === false ? {} : AGENTS_BETA), ...options.headers } });
}

export async function agentsTruth(sim: RunningSimulator): Promise<AgentsTruth> {
  return (await control(sim, '/agents/truth')).json as unknown as AgentsTruth;
}

/** Advances the clock a minute at a time until every turn ended and every trace is listed, complete. */
export async function settle(sim: RunningSimulator, limitMinutes = 40): Promise<AgentsTruth> {
  for (let i = 0; i <= limitMinutes; i++) {
    const truth = await agentsTruth(sim);
    if (truth.allSettled) return truth;
    await advance(sim, 60);
  }
  throw new Error('the Agents world never settled');
}

export async function startTurn(
  sim: RunningSimulator,
  body: { sessionId?: string; agentId?: string; kind?: string; publishDelaySeconds?: number; autoAnswer?: boolean },
): Promise<{ session_id: string; turn_id: string; kind: string }> {
  const res = await control(sim, '/agents/turns', body);
  if (res.status !== 200) throw new Error(`POST /_sim/agents/turns: ${res.status} ${res.text}`);
  return res.json as unknown as { session_id: string; turn_id: string; kind: string };
}

/** Decodes an `otlp` value as a strict OTLP/JSON receiver would (throws on what it refuses). */
export function decodeOtlp(otlp: unknown): WireTraceRequest {
  return decodeTraceRequest(Buffer.from(JSON.stringify(otlp)), 'json');
}

export function spansOfOtlp(otlp: unknown): ReceivedSpan[] {
  return spansOf(decodeOtlp(otlp), { receivedAt: 0, requestId: 0, encoding: 'json' });
}

export const truthTurn = (truth: AgentsTruth, turnId: string) => {
  const turn = truth.turns.find((t) => t.turnId === turnId);
  if (!turn) throw new Error(`no turn ${turnId} in the truth`);
  return turn;
};

export const rootsOfKind = (truth: AgentsTruth, kind: string) => truth.turns.filter((t) => t.kind === kind);

/** Advances the clock to `t` (Unix seconds), if it is not there yet. */
export async function advanceTo(sim: RunningSimulator, t: number): Promise<void> {
  const now = (await control(sim, '/clock')).json.now as number;
  if (t > now) await advance(sim, t - now);
}

/** Starts a turn of `kind` and advances until it ended; its truth after that. */
export async function runTurn(
  sim: RunningSimulator,
  body: { sessionId?: string; kind: string; publishDelaySeconds?: number },
): Promise<AgentsTruthTurn> {
  const started = await startTurn(sim, body);
  for (let i = 0; i < 120; i++) {
    const turn = truthTurn(await agentsTruth(sim), started.turn_id);
    if (turn.finished) return turn;
    await advance(sim, 1);
  }
  throw new Error(`turn ${started.turn_id} never ended`);
}
