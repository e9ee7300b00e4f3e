// The trace context goes into run metadata only where it fits and never over what the user set.
import { describe, expect, it } from 'vitest';
import { METADATA_LIMITS, withTraceMetadata } from '../../src/library/run-metadata.js';
import { APP_TRACEPARENT } from './helpers.js';

const carrier = { traceparent: APP_TRACEPARENT, tracestate: 'vendor=abc' };
const keys = (n: number): Record<string, string> => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, `v${i}`]));
const deepFreeze = <T>(value: T): T => {
  if (typeof value === 'object' && value !== null) for (const v of Object.values(value)) deepFreeze(v);
  return Object.freeze(value);
};

describe('withTraceMetadata', () => {
  it('adds traceparent and tracestate to a copy, leaving the caller’s params and metadata as they were', () => {
    const params = deepFreeze({ assistant_id: 'asst_1', metadata: { customer: 'c-1' } });
    const out = withTraceMetadata(params, carrier);
    expect(out).toEqual({ assistant_id: 'asst_1', metadata: { customer: 'c-1', traceparent: APP_TRACEPARENT, tracestate: 'vendor=abc' } });
    expect(out).not.toBe(params);
    expect(params).toEqual({ assistant_id: 'asst_1', metadata: { customer: 'c-1' } });
  });

  it('creates the metadata when there is none, or it is null', () => {
    expect(withTraceMetadata({ assistant_id: 'a' }, { traceparent: APP_TRACEPARENT })).toEqual({
      assistant_id: 'a',
      metadata: { traceparent: APP_TRACEPARENT },
    });
    expect(withTraceMetadata({ assistant_id: 'a', metadata: null }, { traceparent: APP_TRACEPARENT })).toEqual({
      assistant_id: 'a',
      metadata: { traceparent: APP_TRACEPARENT },
    });
  });

  it('never overwrites a traceparent the user set, and then adds no tracestate either', () => {
    const params = { metadata: { traceparent: 'theirs' } };
    expect(withTraceMetadata(params, carrier)).toBe(params);
  });

  it('keeps a tracestate the user set while adding the traceparent', () => {
    expect(withTraceMetadata({ metadata: { tracestate: 'theirs=1' } }, carrier)).toEqual({
      metadata: { tracestate: 'theirs=1', traceparent: APP_TRACEPARENT },
    });
  });

  it('stays within 16 keys: 15 leave room for traceparent only, 16 for nothing', () => {
    const fifteen = withTraceMetadata({ metadata: keys(15) }, carrier);
    expect(Object.keys(fifteen.metadata)).toHaveLength(METADATA_LIMITS.maxKeys);
    expect(fifteen.metadata).toMatchObject({ traceparent: APP_TRACEPARENT });
    expect(fifteen.metadata).not.toHaveProperty('tracestate');
    const sixteen = { metadata: keys(16) };
    expect(withTraceMetadata(sixteen, carrier)).toBe(sixteen);
  });

  it('leaves out a tracestate longer than 512 characters', () => {
    const out = withTraceMetadata({}, { traceparent: APP_TRACEPARENT, tracestate: `v=${'x'.repeat(511)}` });
    expect(out).toEqual({ metadata: { traceparent: APP_TRACEPARENT } });
  });

  it('returns the very same params with no active span, or params it does not understand', () => {
    const params = { assistant_id: 'a' };
    expect(withTraceMetadata(params, null)).toBe(params);
    const odd = { metadata: 'not an object' };
    expect(withTraceMetadata(odd, carrier)).toBe(odd);
    expect(withTraceMetadata<unknown>(undefined, carrier)).toBeUndefined();
  });
});
