// The attribute table of README's "The trace of one run": every attribute of run, step and tool spans.
import { describe, expect, it } from 'vitest';
import { freezeContext } from '../../src/sources/assistants/mapping/frozen-context.js';
import { mapRunSpan, mapRunTrace, mapStepSpans } from '../../src/sources/assistants/mapping/map-run.js';
import { byRole, context, functionCall, LIMITS, named, only, run, sample, step, toolStep } from './fixtures.js';

const SERVER = { 'server.address': 'api.openai.com', 'server.port': 443 };

describe('run span attributes', () => {
  it('carries every run attribute of the table for the sample run', () => {
    const { run: r, steps } = sample('run_sample01');
    expect(only(mapRunTrace(r, steps, context(), LIMITS), 'run').attributes).toEqual({
      'gen_ai.operation.name': 'invoke_agent',
      'gen_ai.provider.name': 'openai',
      'gen_ai.agent.id': 'asst_weather01',
      'gen_ai.agent.name': 'Weather Helper',
      'gen_ai.conversation.id': 'thread_sample01',
      'gen_ai.request.model': 'gpt-4o-2024-08-06',
      'gen_ai.usage.input_tokens': 812,
      'gen_ai.usage.output_tokens': 96,
      'gen_ai.request.temperature': 1,
      'gen_ai.request.top_p': 1,
      'gen_ai.response.finish_reasons': ['stop'],
      'openai.run.id': 'run_sample01',
      'openai.run.status': 'completed',
      ...SERVER,
    });
  });

  it('leaves out what the run does not know rather than writing null', () => {
    const span = mapRunSpan(
      run({ usage: null, model: null, thread_id: null, assistant_id: null }),
      context({ agentName: null }),
      null,
      LIMITS,
    );
    for (const key of [
      'gen_ai.usage.input_tokens',
      'gen_ai.usage.output_tokens',
      'gen_ai.request.model',
      'gen_ai.conversation.id',
      'gen_ai.agent.id',
      'gen_ai.agent.name',
    ]) {
      expect(span.attributes).not.toHaveProperty(key);
    }
    expect(Object.values(span.attributes)).not.toContain(null);
  });

  it('reads the agent id from an Azure-style agent_id', () => {
    const r = run({ assistant_id: undefined, agent_id: 'asst_azure1' });
    expect(r.assistant_id).toBeUndefined();
    expect(mapRunSpan(r, context(), null, LIMITS).attributes['gen_ai.agent.id']).toBe('asst_azure1');
  });

  it('prefers assistant_id when a payload has both', () => {
    const r = run({ assistant_id: 'asst_1', agent_id: 'agent_other' });
    expect(mapRunSpan(r, context(), null, LIMITS).attributes['gen_ai.agent.id']).toBe('asst_1');
  });

  it('takes provider and server from the frozen context (Azure)', () => {
    const ctx = freezeContext(run(), {
      agentName: null,
      captureContent: false,
      contentMaxLength: 100,
      providerName: 'azure.ai.openai',
      baseURL: 'https://my-resource.openai.azure.com/openai',
      nowSeconds: 0,
    });
    const spans = mapRunTrace(run(), [step()], ctx, LIMITS);
    for (const span of spans) {
      expect(span.attributes).toMatchObject({
        'gen_ai.provider.name': 'azure.ai.openai',
        'server.address': 'my-resource.openai.azure.com',
        'server.port': 443,
      });
    }
  });

  it('leaves out server attributes when the base URL was unusable', () => {
    const span = mapRunSpan(run(), context({ serverAddress: null, serverPort: null }), null, LIMITS);
    expect(span.attributes).not.toHaveProperty('server.address');
    expect(span.attributes).not.toHaveProperty('server.port');
  });
});

describe('step span attributes', () => {
  const { run: r, steps } = sample('run_sample01');
  const spans = mapRunTrace(r, steps, context(), LIMITS);
  const [toolCallsStep, messageStep] = byRole(spans, 'step');

  it('carries every step attribute of the table for a tool_calls step', () => {
    expect(toolCallsStep?.attributes).toEqual({
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'openai',
      'gen_ai.agent.id': 'asst_weather01',
      'gen_ai.conversation.id': 'thread_sample01',
      'gen_ai.request.model': 'gpt-4o-2024-08-06',
      'gen_ai.usage.input_tokens': 402,
      'gen_ai.usage.output_tokens': 31,
      'gen_ai.request.temperature': 1,
      'gen_ai.request.top_p': 1,
      'gen_ai.response.finish_reasons': ['tool_call'],
      'openai.run.id': 'run_sample01',
      'openai.run_step.id': 'step_sample01a',
      'openai.run_step.type': 'tool_calls',
      'openai.run_step.status': 'completed',
      ...SERVER,
    });
  });

  it('adds the message id of a message_creation step', () => {
    expect(messageStep?.attributes).toMatchObject({
      'openai.run_step.type': 'message_creation',
      'openai.message.id': 'msg_sample01',
      'gen_ai.usage.input_tokens': 410,
      'gen_ai.usage.output_tokens': 65,
    });
  });

  it('has no run status and no agent name (those belong to the run span)', () => {
    expect(toolCallsStep?.attributes).not.toHaveProperty('openai.run.status');
    expect(toolCallsStep?.attributes).not.toHaveProperty('gen_ai.agent.name');
  });

  it('falls back to the run for agent id and thread when the step lacks them', () => {
    const [span] = mapStepSpans(
      run({ assistant_id: 'asst_run', thread_id: 'thread_run' }),
      step({ assistant_id: null, thread_id: null }),
      context(),
      LIMITS,
    );
    expect(span?.attributes).toMatchObject({ 'gen_ai.agent.id': 'asst_run', 'gen_ai.conversation.id': 'thread_run' });
  });

  it('reads an Azure-style agent_id on the step', () => {
    const [span] = mapStepSpans(run(), step({ assistant_id: undefined, agent_id: 'asst_step_azure' }), context(), LIMITS);
    expect(span?.attributes['gen_ai.agent.id']).toBe('asst_step_azure');
  });

  it('takes usage from the step, not the run', () => {
    const [span] = mapStepSpans(run(), step({ usage: null }), context(), LIMITS);
    expect(span?.attributes).not.toHaveProperty('gen_ai.usage.input_tokens');
    expect(span?.attributes).not.toHaveProperty('gen_ai.usage.output_tokens');
  });

  it('maps an unknown step type to one span with what is known', () => {
    const s = step({ type: 'reasoning', step_details: { type: 'reasoning', reasoning: { summary: 'thought about it' } } });
    const spans = mapStepSpans(run(), s, context(), LIMITS);
    expect(spans).toHaveLength(1);
    expect(spans[0]?.attributes).toMatchObject({ 'openai.run_step.type': 'reasoning', 'openai.run_step.status': 'completed' });
    expect(spans[0]?.attributes).not.toHaveProperty('openai.message.id');
  });

  it('reads the step type from step_details when the step has none', () => {
    const [span] = mapStepSpans(run(), step({ type: null, step_details: { type: 'tool_calls', tool_calls: [] } }), context(), LIMITS);
    expect(span?.attributes['openai.run_step.type']).toBe('tool_calls');
  });
});

describe('tool span attributes', () => {
  const tools = (calls: unknown[]) => byRole(mapStepSpans(run(), toolStep(calls), context(), LIMITS), 'tool');

  it('describes a function call', () => {
    const { run: r, steps } = sample('run_sample01');
    const span = named(mapRunTrace(r, steps, context(), LIMITS), 'execute_tool get_weather');
    expect(span.attributes).toEqual({
      'gen_ai.operation.name': 'execute_tool',
      'gen_ai.tool.name': 'get_weather',
      'gen_ai.tool.call.id': 'call_weather01',
      'gen_ai.tool.type': 'function',
    });
    expect(span.status).toEqual({ code: 0 });
  });

  it('describes code_interpreter as an extension with its output counts', () => {
    const { run: r, steps } = sample('run_sample02');
    expect(named(mapRunTrace(r, steps, context(), LIMITS), 'execute_tool code_interpreter').attributes).toEqual({
      'gen_ai.operation.name': 'execute_tool',
      'gen_ai.tool.name': 'code_interpreter',
      'gen_ai.tool.call.id': 'call_code01',
      'gen_ai.tool.type': 'extension',
      'openai.code_interpreter.output_count': 1,
    });
    const [withImage] = tools([
      {
        id: 'c',
        type: 'code_interpreter',
        code_interpreter: {
          input: 'plot()',
          outputs: [
            { type: 'image', image: { file_id: 'f' } },
            { type: 'logs', logs: 'ok' },
          ],
        },
      },
    ]);
    expect(withImage?.attributes).toMatchObject({ 'openai.code_interpreter.output_count': 2, 'openai.code_interpreter.image_count': 1 });
  });

  it('describes file_search as a datastore with its ranking and files', () => {
    const { run: r, steps } = sample('run_sample02');
    expect(named(mapRunTrace(r, steps, context(), LIMITS), 'execute_tool file_search').attributes).toEqual({
      'gen_ai.operation.name': 'execute_tool',
      'gen_ai.tool.name': 'file_search',
      'gen_ai.tool.call.id': 'call_search01',
      'gen_ai.tool.type': 'datastore',
      'openai.file_search.result_count': 1,
      'openai.file_search.ranker': 'default_2024_08_21',
      'openai.file_search.score_threshold': 0,
      'openai.file_search.file_ids': ['file_forecast01'],
      'gen_ai.retrieval.documents': '[{"id":"file_forecast01","name":"forecast.pdf","score":0.82}]',
    });
  });

  it.each([
    // Types no service documents (Azure's own are covered in azure-tools.test.ts).
    [
      'its name',
      { id: 'call_m', type: 'x_vendor_mcp', x_vendor_mcp: { server_label: 'github', name: 'search_issues', arguments: '{}' } },
      'search_issues',
    ],
    ['its server label', { id: 'call_m', type: 'x_vendor_mcp', x_vendor_mcp: { server_label: 'github' } }, 'github'],
    ['its operation id', { id: 'call_o', type: 'openapi', openapi: { operation_id: 'getForecast' } }, 'getForecast'],
    [
      'its type when the body has no name',
      { id: 'call_b', type: 'bing_grounding', bing_grounding: { requesturl: 'https://x' } },
      'bing_grounding',
    ],
    ['its type when there is no body', { id: 'call_n', type: 'x_vendor_search' }, 'x_vendor_search'],
  ])('names an unknown tool type from %s', (_label, call, name) => {
    const [span] = tools([call]);
    expect(span?.name).toBe(`execute_tool ${name}`);
    expect(span?.attributes).toEqual({
      'gen_ai.operation.name': 'execute_tool',
      'gen_ai.tool.name': name,
      'gen_ai.tool.call.id': call.id,
      'gen_ai.tool.type': 'extension',
      'openai.tool_call.type': call.type,
    });
  });

  it('still makes a span for a call without id or type', () => {
    const [span] = tools([{}]);
    expect(span?.name).toBe('execute_tool unknown');
    expect(span?.attributes).not.toHaveProperty('gen_ai.tool.call.id');
    expect(span?.attributes['gen_ai.tool.type']).toBe('extension');
  });

  it('names a function call without a name after its type', () => {
    const [span] = tools([{ id: 'call_1', type: 'function', function: { arguments: '{}' } }]);
    expect(span?.name).toBe('execute_tool function');
    expect(span?.attributes['gen_ai.tool.type']).toBe('function');
  });

  it('carries no run-level attributes (provider, server, conversation, usage)', () => {
    const [span] = tools([functionCall('call_1', 'f')]);
    for (const key of [
      'gen_ai.provider.name',
      'server.address',
      'gen_ai.conversation.id',
      'gen_ai.request.model',
      'gen_ai.usage.input_tokens',
    ]) {
      expect(span?.attributes).not.toHaveProperty(key);
    }
  });
});
