// What tool spans tell beyond their name: a function call never answered, the images code
// interpreter drew, the documents file search found (text only with capture on), and the link
// from a connected agent's call to the trace of the run it started.
import { describe, expect, it } from 'vitest';
import { runSpanId, traceIdForRun } from '../../src/mapping/ids.js';
import { mapRunSpan, mapStepSpans } from '../../src/sources/assistants/mapping/map-run.js';
import { linkedRunIds } from '../../src/sources/assistants/mapping/run-links.js';
import { byRole, context, functionCall, LIMITS, only, run, stringAttribute, T0, toolStep } from './fixtures.js';

const tools = (calls: unknown[], stepOverrides: Record<string, unknown> = {}, ctx = context()) =>
  byRole(mapStepSpans(run(), toolStep(calls, stepOverrides), ctx, LIMITS), 'tool');

describe('unanswered function calls', () => {
  it('flags a function call whose output is still null when its step ended', () => {
    const [answered, unanswered, missing] = tools([
      functionCall('call_1', 'f', '{}', '{"ok":true}'),
      functionCall('call_2', 'g', '{}', null),
      { id: 'call_3', type: 'function', function: { name: 'h', arguments: '{}' } },
    ]);
    expect(answered?.attributes).not.toHaveProperty('assistants_bridge.tool_call.unanswered');
    expect(unanswered?.attributes['assistants_bridge.tool_call.unanswered']).toBe(true);
    expect(missing?.attributes['assistants_bridge.tool_call.unanswered']).toBe(true);
  });

  it('counts an empty output as an answer', () => {
    const [span] = tools([functionCall('call_1', 'f', '{}', '')]);
    expect(span?.attributes).not.toHaveProperty('assistants_bridge.tool_call.unanswered');
  });

  it('is ERROR under the expired step that waited for it, flagged either way', () => {
    const [span] = tools([functionCall('call_1', 'f')], { status: 'expired', completed_at: null, expired_at: T0 + 600 });
    expect(span?.status.code).toBe(2);
    expect(span?.attributes).toMatchObject({ 'error.type': 'expired', 'assistants_bridge.tool_call.unanswered': true });
    const [cancelled] = tools([functionCall('call_1', 'f')], { status: 'cancelled', completed_at: null, cancelled_at: T0 + 5 });
    expect(cancelled?.status).toEqual({ code: 0 });
    expect(cancelled?.attributes['assistants_bridge.tool_call.unanswered']).toBe(true);
  });

  it('never flags tools the service runs itself', () => {
    const spans = tools([
      { id: 'c', type: 'code_interpreter', code_interpreter: { input: 'x', outputs: [] } },
      { id: 'm', type: 'mcp', server_label: 's', output: null },
    ]);
    expect(spans).toHaveLength(2);
    for (const span of spans) expect(span.attributes).not.toHaveProperty('assistants_bridge.tool_call.unanswered');
  });
});

describe('code interpreter images', () => {
  it('lists the file ids of the images it produced', () => {
    const [span] = tools([
      {
        id: 'c',
        type: 'code_interpreter',
        code_interpreter: {
          input: 'plot()',
          outputs: [
            { type: 'image', image: { file_id: 'file-a' } },
            { type: 'logs', logs: 'ok' },
            { type: 'image', image: { file_id: 'file-b' } },
            { type: 'image', image: {} },
          ],
        },
      },
    ]);
    expect(span?.attributes).toMatchObject({
      'openai.code_interpreter.image_count': 3,
      'openai.code_interpreter.image_file_ids': ['file-a', 'file-b'],
    });
  });

  it('has no file id list without images', () => {
    const [span] = tools([
      { id: 'c', type: 'code_interpreter', code_interpreter: { input: 'x', outputs: [{ type: 'logs', logs: 'ok' }] } },
    ]);
    expect(span?.attributes).not.toHaveProperty('openai.code_interpreter.image_file_ids');
  });
});

describe('file search documents', () => {
  const search = {
    id: 'fs',
    type: 'file_search',
    file_search: {
      results: [
        { file_id: 'file-1', file_name: 'handbook.pdf', score: 0.91, content: [{ type: 'text', text: 'Refunds take 14 days.' }] },
        { file_id: 'file-2', file_name: 'faq.txt', score: 0.5 },
        { file_id: 7, score: 'high' },
      ],
    },
  };

  it('records ids, names and scores as gen_ai.retrieval.documents, without text by default', () => {
    const [span] = tools([search]);
    expect(JSON.parse(stringAttribute(span, 'gen_ai.retrieval.documents'))).toEqual([
      { id: 'file-1', name: 'handbook.pdf', score: 0.91 },
      { id: 'file-2', name: 'faq.txt', score: 0.5 },
      {},
    ]);
    expect(JSON.stringify(span?.attributes)).not.toContain('Refunds');
  });

  it('adds the text of each hit with content capture on, cut to the content limit', () => {
    const [span] = tools([search], {}, context({ captureContent: true, contentMaxLength: 7 }));
    const documents = JSON.parse(stringAttribute(span, 'gen_ai.retrieval.documents')) as { content?: string }[];
    expect(documents.map((d) => d.content)).toEqual(['Refunds', undefined, undefined]);
  });

  it('drops the lowest-ranked documents rather than cutting the JSON at the value limit', () => {
    const many = {
      id: 'fs',
      type: 'file_search',
      file_search: {
        results: Array.from({ length: 40 }, (_, i) => ({ file_id: `file-${i}`, file_name: `doc-${i}.pdf`, score: 1 - i / 100 })),
      },
    };
    const [span] = byRole(
      mapStepSpans(run(), toolStep([many]), context(), { attributeValueLengthLimit: 300, attributeCountLimit: 128 }),
      'tool',
    );
    const json = stringAttribute(span, 'gen_ai.retrieval.documents');
    expect(json.length).toBeLessThanOrEqual(300);
    const documents = JSON.parse(json) as { id: string }[];
    expect(documents.length).toBeGreaterThan(0);
    expect(documents.length).toBeLessThan(40);
    expect(documents[0]?.id).toBe('file-0');
  });

  it('has no documents attribute for a search that found nothing', () => {
    const [span] = tools([{ id: 'fs', type: 'file_search', file_search: { results: [] } }]);
    expect(span?.attributes).not.toHaveProperty('gen_ai.retrieval.documents');
  });
});

describe('connected agent links', () => {
  const connected = (runId: unknown) => ({
    id: 'call_ca',
    type: 'connected_agent',
    connected_agent: {
      name: 'stock_price_bot',
      arguments: '{}',
      output: 'up',
      assistant_id: 'asst_child',
      thread_id: 'thread_child',
      run_id: runId,
    },
  });

  it("links to the run span of the run it started, in that run's own trace", () => {
    const [span] = tools([connected('run_child')]);
    expect(span?.links).toEqual([
      { traceId: traceIdForRun('run_child'), spanId: runSpanId('run_child'), traceFlags: 1, attributes: { 'openai.run.id': 'run_child' } },
    ]);
    // The link points where the bridge puts that run's span when it maps it.
    const child = mapRunSpan(run({ id: 'run_child' }), context(), null, LIMITS);
    expect([child.traceId, child.spanId]).toEqual([span?.links?.[0]?.traceId, span?.links?.[0]?.spanId]);
  });

  it('links into the app trace the child run joined, when the bridge recorded it', () => {
    const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00';
    const linked = new Map([['run_child', { traceparent, tracestate: 'vendor=1' }]]);
    const [span] = byRole(mapStepSpans(run(), toolStep([connected('run_child')]), context(), LIMITS, linked), 'tool');
    expect(span?.links).toEqual([
      {
        traceId: '0af7651916cd43dd8448eb211c80319c',
        spanId: runSpanId('run_child'),
        traceFlags: 0,
        traceState: 'vendor=1',
        attributes: { 'openai.run.id': 'run_child' },
      },
    ]);
    const child = mapRunSpan(run({ id: 'run_child' }), context({ traceparent, tracestate: 'vendor=1' }), null, LIMITS);
    expect([child.traceId, child.spanId]).toEqual([span?.links?.[0]?.traceId, span?.links?.[0]?.spanId]);
  });

  it('computes the link when the recorded context has no trace to join', () => {
    const linked = new Map([['run_child', { traceparent: null, tracestate: null }]]);
    const [span] = byRole(mapStepSpans(run(), toolStep([connected('run_child')]), context(), LIMITS, linked), 'tool');
    expect(span?.links?.[0]?.traceId).toBe(traceIdForRun('run_child'));
  });

  it.each([null, '', 42])('has no link when the call names no run (%j)', (runId) => {
    const [span] = tools([connected(runId)]);
    expect(span).not.toHaveProperty('links');
  });

  it('other tools have no links', () => {
    expect(tools([functionCall('c', 'f', '{}', 'x')])[0]).not.toHaveProperty('links');
  });

  it('lists the runs a batch of steps started, once each', () => {
    const steps = [
      toolStep([connected('run_a'), connected('run_b')]),
      toolStep([connected('run_a'), functionCall('c', 'f')], { id: 'step_2' }),
      toolStep([connected(null)], { id: 'step_3' }),
    ];
    expect(linkedRunIds(steps)).toEqual(['run_a', 'run_b']);
  });
});

describe('step spans stay under their run', () => {
  it('takes the conversation from the run even when the step names another thread', () => {
    const [span] = mapStepSpans(
      run({ thread_id: 'thread_run' }),
      toolStep([], { thread_id: 'thread_other', run_id: 'run_other' }),
      context(),
      LIMITS,
    );
    expect(span?.attributes).toMatchObject({ 'gen_ai.conversation.id': 'thread_run', 'openai.run.id': 'run_abc' });
    expect(span?.parent?.spanId).toBe(runSpanId('run_abc'));
    expect(only([span!], 'step').traceId).toBe(traceIdForRun('run_abc'));
  });
});
