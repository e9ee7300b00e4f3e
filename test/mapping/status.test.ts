// Span status: failed and expired are errors; completed is UNSET; cancelled and incomplete are
// not errors but say what happened.
import { describe, expect, it } from 'vitest';
import { mapRunSpan, mapRunTrace, mapStepSpans } from '../../src/sources/assistants/mapping/map-run.js';
import { statusFor } from '../../src/mapping/status.js';
import { byRole, context, functionCall, LIMITS, only, run, sample, step, T0, toolStep } from './fixtures.js';

const UNSET = 0;
const ERROR = 2;
const QUOTA = { code: 'rate_limit_exceeded', message: 'You exceeded your current quota.' };

interface StatusCase {
  label: string;
  status: string;
  lastError: unknown;
  code: number;
  message?: string;
  errorType?: string;
}

const CASES: StatusCase[] = [
  { label: 'completed', status: 'completed', lastError: null, code: UNSET },
  { label: 'failed with an error code', status: 'failed', lastError: QUOTA, code: ERROR, errorType: QUOTA.code, message: QUOTA.message },
  { label: 'failed without last_error', status: 'failed', lastError: null, code: ERROR, errorType: '_OTHER' },
  {
    label: 'failed with a message but no code',
    status: 'failed',
    lastError: { code: null, message: 'boom' },
    code: ERROR,
    errorType: '_OTHER',
    message: 'boom',
  },
  { label: 'failed with an empty code', status: 'failed', lastError: { code: '', message: '' }, code: ERROR, errorType: '_OTHER' },
  { label: 'expired without an error', status: 'expired', lastError: null, code: ERROR, errorType: 'expired' },
  {
    label: 'expired with an error',
    status: 'expired',
    lastError: { code: 'server_error', message: 'took too long' },
    code: ERROR,
    errorType: 'server_error',
    message: 'took too long',
  },
  { label: 'cancelled', status: 'cancelled', lastError: null, code: UNSET },
];

function expectStatus(span: { status: { code: number; message?: string }; attributes: Record<string, unknown> }, c: StatusCase): void {
  expect(span.status).toEqual({ code: c.code, ...(c.message ? { message: c.message } : {}) });
  if (c.errorType) expect(span.attributes['error.type']).toBe(c.errorType);
  else expect(span.attributes).not.toHaveProperty('error.type');
}

describe('run span status', () => {
  it.each(CASES)('$label', (c) => {
    const span = mapRunSpan(run({ status: c.status, last_error: c.lastError }), context(), null, LIMITS);
    expectStatus(span, c);
    expect(span.attributes['openai.run.status']).toBe(c.status);
  });

  it('incomplete is UNSET and carries the reason', () => {
    const span = mapRunSpan(
      run({ status: 'incomplete', completed_at: null, incomplete_details: { reason: 'max_completion_tokens' } }),
      context(),
      null,
      LIMITS,
    );
    expect(span.status).toEqual({ code: UNSET });
    expect(span.attributes).toMatchObject({
      'openai.run.status': 'incomplete',
      'openai.run.incomplete_details.reason': 'max_completion_tokens',
    });
    expect(span.attributes).not.toHaveProperty('error.type');
  });

  it('has no incomplete reason attribute when there are no incomplete details', () => {
    const span = mapRunSpan(run({ status: 'incomplete', incomplete_details: null }), context(), null, LIMITS);
    expect(span.attributes).not.toHaveProperty('openai.run.incomplete_details.reason');
  });

  it('maps the failed sample run and its failed step as errors with the API code and message', () => {
    const { run: r, steps } = sample('run_sample03');
    const spans = mapRunTrace(r, steps, context(), LIMITS);
    for (const span of spans) {
      expect(span.status).toEqual({ code: ERROR, message: QUOTA.message });
      expect(span.attributes['error.type']).toBe(QUOTA.code);
    }
    expect(spans).toHaveLength(2);
  });

  it('maps the expired sample run as an expired error', () => {
    const { run: r, steps } = sample('run_sample04');
    const span = only(mapRunTrace(r, steps, context(), LIMITS), 'run');
    expect(span.status).toEqual({ code: ERROR });
    expect(span.attributes).toMatchObject({ 'error.type': 'expired', 'openai.run.status': 'expired' });
  });
});

describe('step span status', () => {
  it.each(CASES)('$label', (c) => {
    const [span] = mapStepSpans(run(), step({ status: c.status, last_error: c.lastError }), context(), LIMITS);
    expect(span).toBeDefined();
    expectStatus(span!, c);
    expect(span?.attributes['openai.run_step.status']).toBe(c.status);
  });

  it("reads the step's own error, not the run's", () => {
    const r = run({ status: 'failed', last_error: QUOTA });
    const [span] = mapStepSpans(r, step({ status: 'completed' }), context(), LIMITS);
    expect(span?.status).toEqual({ code: UNSET });
  });

  it("makes tool spans of a failed step ERROR with the step's error type and message", () => {
    const spans = mapStepSpans(
      run(),
      toolStep(
        [functionCall('call_1', 'f', '{}', 'done'), { id: 'c', type: 'code_interpreter', code_interpreter: { input: 'x', outputs: [] } }],
        { status: 'failed', last_error: QUOTA },
      ),
      context(),
      LIMITS,
    );
    expect(only(spans, 'step').status.code).toBe(ERROR);
    expect(byRole(spans, 'tool').map((s) => s.status)).toEqual([
      { code: ERROR, message: QUOTA.message },
      { code: ERROR, message: QUOTA.message },
    ]);
    expect(byRole(spans, 'tool').map((s) => s.attributes['error.type'])).toEqual([QUOTA.code, QUOTA.code]);
  });

  it('makes tool spans of an expired step ERROR (expired when the step names no code)', () => {
    const spans = mapStepSpans(
      run(),
      toolStep([functionCall('call_1', 'f')], { status: 'expired', completed_at: null, expired_at: T0 + 600 }),
      context(),
      LIMITS,
    );
    expect(only(spans, 'tool').status).toEqual({ code: ERROR });
    expect(only(spans, 'tool').attributes['error.type']).toBe('expired');
  });

  it.each(['completed', 'cancelled'])('leaves tool spans of a %s step UNSET', (status) => {
    const spans = mapStepSpans(run(), toolStep([functionCall('call_1', 'f', '{}', 'ok')], { status }), context(), LIMITS);
    expect(only(spans, 'tool').status).toEqual({ code: UNSET });
    expect(only(spans, 'tool').attributes).not.toHaveProperty('error.type');
  });

  it.each([
    [
      'an MCP call with an error message',
      { id: 'm', type: 'mcp', server_label: 'docs', name: 'search', arguments: '{}', output: null, error: 'tool not found' },
      '_OTHER',
      'tool not found',
    ],
    [
      'a call whose body carries an error object with a code',
      { id: 'x', type: 'x_vendor_tool', x_vendor_tool: { error: { code: 'timeout', message: 'gave up after 30 s' } } },
      'timeout',
      'gave up after 30 s',
    ],
    [
      'an error object without a code',
      { id: 'y', type: 'mcp', server_label: 'docs', error: { message: 'bad gateway' } },
      '_OTHER',
      'bad gateway',
    ],
  ])('makes %s ERROR under a completed step', (_label, call, errorType, message) => {
    const spans = mapStepSpans(run(), toolStep([call, functionCall('call_ok', 'g', '{}', 'fine')]), context(), LIMITS);
    const [failed, fine] = byRole(spans, 'tool');
    expect(failed?.status).toEqual({ code: ERROR, message });
    expect(failed?.attributes['error.type']).toBe(errorType);
    expect(fine?.status).toEqual({ code: UNSET });
    expect(only(spans, 'step').status).toEqual({ code: UNSET });
  });

  it('ignores an empty or null error', () => {
    const spans = mapStepSpans(
      run(),
      toolStep([
        { id: 'm', type: 'mcp', server_label: 'docs', error: '' },
        { id: 'n', type: 'mcp', server_label: 'docs', error: null },
      ]),
      context(),
      LIMITS,
    );
    expect(byRole(spans, 'tool').map((s) => s.status)).toEqual([{ code: UNSET }, { code: UNSET }]);
  });

  it("keeps the step's error over the call's own under a failed step", () => {
    const spans = mapStepSpans(
      run(),
      toolStep([{ id: 'm', type: 'mcp', server_label: 'docs', error: 'tool not found' }], { status: 'failed', last_error: QUOTA }),
      context(),
      LIMITS,
    );
    expect(only(spans, 'tool').status).toEqual({ code: ERROR, message: QUOTA.message });
    expect(only(spans, 'tool').attributes['error.type']).toBe(QUOTA.code);
  });
});

describe('statusFor', () => {
  it.each([
    ['in_progress', null],
    ['queued', null],
    ['requires_action', null],
    ['something_new', { code: 'x', message: 'y' }],
    [null, null],
    [undefined, undefined],
  ])('treats %s as UNSET', (status, lastError) => {
    expect(statusFor(status, lastError)).toEqual({ code: UNSET });
  });
});
