// Shared helpers: a simulator with a frozen clock, and raw fetch wrappers for the API and /_sim.
import { startSimulator, type RunningSimulator, type SimulatorOptions } from '../../src/simulator/index.js';

/** Frozen clock (speed 0) at a pinned start: time only moves through POST /_sim/clock, so tests are exact. */
export function startFrozen(options: SimulatorOptions = {}): Promise<RunningSimulator> {
  return startSimulator({ seed: 7, ...options, clock: { speed: 0, startEpoch: 1_760_000_000, ...options.clock } });
}

export interface JsonResponse {
  status: number;
  headers: Headers;
  // Tests inspect arbitrary JSON; each assertion states the shape it expects.
  json: Record<string, unknown> & { data?: Record<string, unknown>[]; error?: Record<string, unknown> };
  text: string;
}

export interface CallOptions {
  method?: string;
  body?: unknown;
  headers?: Record<string, string>;
  auth?: boolean;
  beta?: boolean;
}

export async function api(sim: RunningSimulator, path: string, options: CallOptions = {}): Promise<JsonResponse> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (options.auth !== false) headers.authorization = `Bearer ${sim.apiKey}`;
  if (options.beta !== false) headers['openai-beta'] = 'assistants=v2';
  Object.assign(headers, options.headers);
  const res = await fetch(`${sim.url}${path}`, {
    method: options.method ?? (options.body === undefined ? 'GET' : 'POST'),
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  const text = await res.text();
  let json: JsonResponse['json'] = {};
  try {
    json = JSON.parse(text) as JsonResponse['json'];
  } catch {
    // Left empty: the malformed-JSON fault test reads `text`.
  }
  return { status: res.status, headers: res.headers, json, text };
}

export async function control(sim: RunningSimulator, path: string, body?: unknown, method?: string): Promise<JsonResponse> {
  const res = await fetch(`${sim.origin}/_sim${path}`, {
    method: method ?? (body === undefined ? 'GET' : 'POST'),
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, json: JSON.parse(text) as JsonResponse['json'], text };
}

export async function advance(sim: RunningSimulator, seconds: number): Promise<number> {
  const res = await control(sim, '/clock', { advanceSeconds: seconds });
  return res.json.now as number;
}

export async function startRun(
  sim: RunningSimulator,
  body: { threadId?: string; kind?: string } = {},
): Promise<{ thread_id: string; run_id: string }> {
  const res = await control(sim, '/runs', body);
  if (res.status !== 200) throw new Error(`POST /_sim/runs: ${res.status} ${res.text}`);
  return res.json as unknown as { thread_id: string; run_id: string };
}

/** Advances one second at a time until the run reaches `status` (at most `limit` seconds). */
export async function advanceUntil(
  sim: RunningSimulator,
  threadId: string,
  runId: string,
  status: string,
  limit = 120,
): Promise<Record<string, unknown>> {
  for (let i = 0; i <= limit; i++) {
    const run = await api(sim, `/threads/${threadId}/runs/${runId}`);
    if (run.json.status === status) return run.json;
    await advance(sim, 1);
  }
  throw new Error(`run ${runId} never reached ${status}`);
}
