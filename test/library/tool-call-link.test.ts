// The app's link points at the exact span the bridge exports for the tool call.
import { describe, expect, it } from 'vitest';
import { toolCallLink, toolCallSpanContext } from '../../src/library/tool-call-link.js';
import { freezeContext } from '../../src/sources/assistants/mapping/frozen-context.js';
import { toolCallSpanId, traceIdForRun } from '../../src/mapping/ids.js';
import { mapStepSpans } from '../../src/sources/assistants/mapping/map-run.js';
import { parseRun, parseStep } from '../../src/sources/assistants/payloads.js';
import { APP_SPAN, APP_TRACE, APP_TRACEPARENT } from './helpers.js';
import { roleOf } from '../mapping/fixtures.js';

function bridgeToolSpan(metadata: Record<string, string>): { traceId: string; spanId: string; traceFlags: number } {
  const run = parseRun({ id: 'run_42', thread_id: 'thread_1', status: 'completed', created_at: 1_760_000_000, metadata });
  const step = parseStep({
    id: 'step_7',
    run_id: 'run_42',
    status: 'completed',
    created_at: 1_760_000_001,
    completed_at: 1_760_000_002,
    step_details: {
      type: 'tool_calls',
      tool_calls: [{ id: 'call_x', type: 'function', function: { name: 'get_weather', arguments: '{}', output: null } }],
    },
  });
  if (!run.ok || !step.ok) throw new Error('fixture did not parse');
  const ctx = freezeContext(run.value, {
    agentName: null,
    captureContent: false,
    contentMaxLength: 10,
    providerName: 'openai',
    baseURL: 'https://api.openai.com/v1',
    nowSeconds: 0,
  });
  const tool = mapStepSpans(run.value, step.value, ctx, { attributeValueLengthLimit: 100, attributeCountLimit: 100 }).find(
    (s) => roleOf(s) === 'tool',
  )!;
  return { traceId: tool.traceId, spanId: tool.spanId, traceFlags: tool.traceFlags };
}

describe('toolCallLink', () => {
  it('points at the span the bridge maps for the call, in the app trace the run joined', () => {
    const bridge = bridgeToolSpan({ traceparent: APP_TRACEPARENT });
    const link = toolCallLink({ id: 'run_42', metadata: { traceparent: APP_TRACEPARENT } }, 'call_x');
    expect(link.context).toEqual({ ...bridge, isRemote: true });
    expect(bridge.traceId).toBe(APP_TRACE);
    expect(link.attributes).toEqual({ 'gen_ai.tool.call.id': 'call_x', 'openai.run.id': 'run_42' });
  });

  it('points at the bridge’s own trace for a run that joined no app trace', () => {
    const bridge = bridgeToolSpan({});
    expect(toolCallLink('run_42', 'call_x').context).toEqual({ ...bridge, isRemote: true });
    expect(bridge.traceId).toBe(traceIdForRun('run_42'));
  });

  it('takes the trace from an explicit traceparent or trace id, keeping the traceparent’s flags', () => {
    expect(toolCallSpanContext('run_42', 'call_x', `00-${APP_TRACE}-${APP_SPAN}-00`)).toEqual({
      traceId: APP_TRACE,
      spanId: toolCallSpanId('run_42', 'call_x'),
      traceFlags: 0,
      isRemote: true,
    });
    expect(toolCallSpanContext('run_42', 'call_x', APP_TRACE.toUpperCase())).toMatchObject({ traceId: APP_TRACE, traceFlags: 1 });
  });

  it('refuses something that is neither a traceparent nor a trace id', () => {
    expect(() => toolCallLink('run_42', 'call_x', 'not-a-trace')).toThrow(TypeError);
    expect(() => toolCallLink('run_42', 'call_x', '0'.repeat(32))).toThrow(TypeError);
  });
});
