// freezeContext: what a run is mapped with besides itself, recorded once.
import { describe, expect, it } from 'vitest';
import { freezeContext, type ContextInputs } from '../../src/sources/assistants/mapping/frozen-context.js';
import { serverOf } from '../../src/mapping/server-address.js';
import { run } from './fixtures.js';

const TP = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

const INPUTS: ContextInputs = {
  agentName: 'Weather Helper',
  captureContent: true,
  contentMaxLength: 512,
  providerName: 'openai',
  baseURL: 'https://api.openai.com/v1',
  nowSeconds: 1_800_000_000,
};

describe('freezeContext', () => {
  it('records the inputs, the server and a valid traceparent with its tracestate', () => {
    expect(freezeContext(run({ metadata: { traceparent: TP, tracestate: 'vendor=1' } }), INPUTS)).toEqual({
      agentName: 'Weather Helper',
      traceparent: TP,
      tracestate: 'vendor=1',
      captureContent: true,
      contentMaxLength: 512,
      providerName: 'openai',
      serverAddress: 'api.openai.com',
      serverPort: 443,
      firstSeenSeconds: 1_800_000_000,
    });
  });

  it('trims the traceparent it keeps', () => {
    expect(freezeContext(run({ metadata: { traceparent: ` ${TP}\n` } }), INPUTS).traceparent).toBe(TP);
  });

  it.each([
    ['no metadata', null],
    ['metadata without traceparent', { team: 'support' }],
    ['an invalid traceparent', { traceparent: TP.replace(/^00/, 'ff'), tracestate: 'vendor=1' }],
    ['a traceparent that is not a string', { traceparent: 42, tracestate: 'vendor=1' }],
  ])('records no traceparent and no tracestate for %s', (_label, metadata) => {
    const ctx = freezeContext(run({ metadata }), INPUTS);
    expect(ctx.traceparent).toBeNull();
    expect(ctx.tracestate).toBeNull();
  });

  it('ignores a tracestate that is not a string', () => {
    expect(freezeContext(run({ metadata: { traceparent: TP, tracestate: { a: 1 } } }), INPUTS).tracestate).toBeNull();
  });
});

describe('serverOf', () => {
  it.each([
    ['https://api.openai.com/v1', 'api.openai.com', 443],
    ['http://localhost/v1', 'localhost', 80],
    ['http://127.0.0.1:8080/v1', '127.0.0.1', 8080],
    ['https://my-resource.openai.azure.com/openai?api-version=2025-05-01', 'my-resource.openai.azure.com', 443],
    ['http://[::1]:4010/v1', '::1', 4010],
  ])('%s -> %s:%s', (url, address, port) => {
    expect(serverOf(url)).toEqual({ address, port });
  });

  it.each(['', 'not a url', '/v1/relative'])('gives nulls for %j', (url) => {
    expect(serverOf(url)).toEqual({ address: null, port: null });
  });
});
