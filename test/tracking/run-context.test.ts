// The run-context resolver with a fake source: one request per assistant, a transient failure
// fails the look until the attempts run out (then the run is mapped without a name), a fatal one
// is never swallowed, a recorded context is kept (its deadline following a pending run), and
// connected-agent calls link to the contexts recorded for the runs they started.
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/cli/logger.js';
import { resolveConfig } from '../../src/config/resolve.js';
import { BridgeError } from '../../src/core/errors.js';
import type { FrozenContext } from '../../src/sources/assistants/mapping/frozen-context.js';
import type { AssistantInfo } from '../../src/sources/assistants/assistants-source.js';
import type { RunPayload, StepPayload } from '../../src/sources/assistants/payloads.js';
import { newRunContext, RunContextResolver } from '../../src/sources/assistants/run-context.js';

const config = resolveConfig({ flags: {}, env: { OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: 'http://127.0.0.1:9/v1' } });
const TRACEPARENT = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';

function resolver(answers: (AssistantInfo | Error)[], recorded: Record<string, FrozenContext> = {}) {
  const asked: string[] = [];
  const contexts = new RunContextResolver({
    source: {
      assistantInfo: (id: string) => {
        asked.push(id);
        const answer = answers.shift() ?? new Error('no answer left');
        return answer instanceof Error ? Promise.reject(answer) : Promise.resolve(answer);
      },
    },
    config,
    log: createLogger({ level: 'silent', format: 'json' }),
    recordedContext: (runId) => recorded[runId] ?? null,
    nowSeconds: () => 1_700_000_000,
  });
  return { contexts, asked };
}

const run = (over: Partial<RunPayload> = {}): RunPayload => ({
  id: 'run_1',
  thread_id: 'thread_1',
  status: 'in_progress',
  assistant_id: 'asst_1',
  ...over,
});

describe('the run-context resolver', () => {
  it('asks for each assistant once and freezes its name, description and the run app trace', async () => {
    const { contexts, asked } = resolver([{ name: 'Helper', description: 'Helps' }]);
    const first = await contexts.contextFor(run({ metadata: { traceparent: TRACEPARENT } }), null);
    const second = await contexts.contextFor(run({ id: 'run_2' }), null);
    expect(asked).toEqual(['asst_1']);
    expect(first).toMatchObject({ agentName: 'Helper', agentDescription: 'Helps', traceparent: TRACEPARENT, serverAddress: '127.0.0.1' });
    expect(second).toMatchObject({ agentName: 'Helper', traceparent: null });
  });

  it('fails the look on a transient failure, then maps the run nameless after the fourth', async () => {
    const { contexts, asked } = resolver([new Error('503'), new Error('503'), new Error('503'), new Error('503')]);
    for (let i = 0; i < 3; i++) await expect(contexts.contextFor(run(), null)).rejects.toThrow('503');
    await expect(contexts.contextFor(run(), null)).resolves.toMatchObject({ agentName: null });
    await contexts.contextFor(run(), null);
    expect(asked).toHaveLength(4);
  });

  it('never swallows a fatal error', async () => {
    const refused = new BridgeError('fatal', 'credentials refused');
    const { contexts } = resolver([refused, refused, refused, refused, refused]);
    for (let i = 0; i < 5; i++) await expect(contexts.contextFor(run(), null)).rejects.toBe(refused);
  });

  it('keeps a recorded context without a request, its deadline following a pending run', async () => {
    const { contexts, asked } = resolver([]);
    const stored = { ...newRunContext(run(), { name: 'Old', description: null }, config, 1), expiresAt: 100 };
    expect(await contexts.contextFor(run({ expires_at: 100 }), stored)).toBe(stored);
    expect(await contexts.contextFor(run({ expires_at: 200 }), stored)).toEqual({ ...stored, expiresAt: 200 });
    expect(asked).toEqual([]);
  });

  it('links connected-agent calls to the contexts recorded for the runs they started', () => {
    const child = newRunContext(
      run({ metadata: { traceparent: TRACEPARENT, tracestate: 'k=v' } }),
      { name: null, description: null },
      config,
      1,
    );
    const { contexts } = resolver([], { run_child: child });
    const call = (runId: string) => ({ id: `call_${runId}`, type: 'connected_agent', connected_agent: { run_id: runId } });
    const steps = [
      { id: 'step_1', step_details: { type: 'tool_calls', tool_calls: [call('run_child'), call('run_unknown')] } },
    ] as StepPayload[];
    expect([...contexts.linkedRuns(steps)]).toEqual([['run_child', { traceparent: TRACEPARENT, tracestate: 'k=v' }]]);
  });
});
