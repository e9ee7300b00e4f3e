// `import` of saved Responses: response objects, arrays and list pages, JSON and JSONL, read through
// the core's file reader and dispatch, each mapped as a watch maps a finished response with a
// context frozen at import; `previous_response_id` links reach the imported responses. Bad input
// names the file, the line and the field.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readImportFiles } from '../../../src/cli/import-command.js';
import { resolveConfig } from '../../../src/config/resolve.js';
import { traceIdForResponse, responseSpanId } from '../../../src/sources/responses/ids.js';
import { ResponsesImporter } from '../../../src/sources/responses/importer.js';
import { freezeResponseContext } from '../../../src/sources/responses/context.js';
import { mapResponseTrace } from '../../../src/sources/responses/map-response.js';
import { responseJson, responseOf, T0 } from './fixtures.js';

const TRACEPARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

function write(files: Record<string, string>): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'aob-responses-import-'));
  return Object.entries(files).map(([name, text]) => {
    writeFileSync(join(dir, name), text);
    return join(dir, name);
  });
}

function imported(files: string[], env: Record<string, string> = {}) {
  const importers = readImportFiles(files);
  const responses = importers.find((i) => i instanceof ResponsesImporter);
  expect(responses, 'the responses importer took the files').toBeDefined();
  const spans = [...responses!.spans(resolveConfig({ flags: {}, env }), T0 + 1000)];
  return { importer: responses!, units: spans, spans: spans.flat() };
}

const toolCall = {
  id: 'fc_1',
  type: 'function_call',
  call_id: 'call_1',
  name: 'get_weather',
  arguments: '{"city":"Paris"}',
  status: 'completed',
};

describe('import of saved responses', () => {
  it('maps each response of a list page (JSON) and of JSONL lines as a watch maps it, a trace each', () => {
    const first = responseJson({ id: 'resp_1', output: [toolCall] });
    const second = responseJson({ id: 'resp_2', created_at: T0 + 20, completed_at: T0 + 25, previous_response_id: 'resp_1' });
    const third = responseJson({ id: 'resp_3', status: 'failed', completed_at: null, error: { code: 'server_error', message: 'boom' } });
    const files = write({
      'page.json': JSON.stringify(
        { object: 'list', data: [first, second], first_id: 'resp_1', last_id: 'resp_2', has_more: false },
        null,
        2,
      ),
      'more.jsonl': `${JSON.stringify(third)}\n`,
    });
    const { importer, units, spans } = imported(files);
    expect(importer.counts()).toEqual({ responses: 3 });
    expect(units.map((u) => u.map((s) => s.name))).toEqual([
      ['chat gpt-4.1-mini', 'execute_tool get_weather'],
      ['chat gpt-4.1-mini'],
      ['chat gpt-4.1-mini'],
    ]);
    // Exactly what the mapping gives with the context a watch would freeze.
    const config = resolveConfig({ flags: {}, env: {} });
    const r1 = responseOf(first);
    const ctx = freezeResponseContext(r1, {
      captureContent: false,
      contentMaxLength: config.content.maxLength,
      providerName: config.api.providerName,
      baseURL: config.api.baseURL,
      firstSeenSeconds: T0 + 1000,
    });
    const linked = new Map([
      ['resp_1', { traceparent: null, tracestate: null }],
      ['resp_2', { traceparent: null, tracestate: null }],
      ['resp_3', { traceparent: null, tracestate: null }],
    ]);
    expect(units[0]).toEqual(mapResponseTrace({ response: r1, ctx, limits: config.limits, unit: 'resp_1', linked }));
    for (const s of spans) expect(s.traceId).toBe(traceIdForResponse(s.unit));
    const failed = spans.find((s) => s.unit === 'resp_3')!;
    expect(failed.status).toEqual({ code: 2, message: 'boom' });
    expect(failed.attributes['error.type']).toBe('server_error');
    expect(spans.flatMap((s) => Object.keys(s.attributes)).filter((k) => k === 'gen_ai.tool.call.arguments')).toEqual([]);
  });

  it("links a response to the imported one it continues, in the app's trace that one joined", () => {
    const files = write({
      'r.jsonl': `${JSON.stringify(responseJson({ id: 'resp_b', previous_response_id: 'resp_a', created_at: T0 + 60, completed_at: T0 + 61 }))}\n${JSON.stringify(responseJson({ id: 'resp_a', metadata: { traceparent: TRACEPARENT } }))}\n${JSON.stringify(responseJson({ id: 'resp_c', previous_response_id: 'resp_elsewhere' }))}\n`,
    });
    const { spans } = imported(files);
    const a = spans.find((s) => s.unit === 'resp_a' && s.parent !== null)!;
    expect(a.traceId).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    expect(a.parent).toMatchObject({ spanId: '00f067aa0ba902b7', remote: true });
    const b = spans.find((s) => s.unit === 'resp_b')!;
    expect(b.links).toEqual([expect.objectContaining({ traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: responseSpanId('resp_a') })]);
    expect(b.attributes['gen_ai.request.previous_response.id']).toBe('resp_a');
    // A response not in the input: named, never linked (its span may exist nowhere).
    const c = spans.find((s) => s.unit === 'resp_c')!;
    expect(c.links ?? []).toEqual([]);
    expect(c.attributes['gen_ai.request.previous_response.id']).toBe('resp_elsewhere');
  });

  it('keeps one copy of a response saved twice (the later), and counts unfinished ones', () => {
    const files = write({
      'a.json': JSON.stringify(responseJson({ id: 'resp_1', status: 'in_progress', completed_at: null })),
      'b.json': JSON.stringify([responseJson({ id: 'resp_1' }), responseJson({ id: 'resp_2', status: 'queued', completed_at: null })]),
    });
    const { importer, units } = imported(files);
    expect(importer.counts()).toEqual({ responses: 2, unfinishedResponses: 1 });
    expect(units[0]?.[0]?.attributes['openai.response.status'] ?? 'completed').toBe('completed');
    expect(units[1]?.[0]?.attributes['assistants_bridge.end_unknown']).toBe(true);
  });

  it('sends content only with capture on', () => {
    const [file] = write({ 'r.json': JSON.stringify(responseJson({ id: 'resp_1', output: [toolCall] })) });
    const on = imported([file!], { OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: 'true' });
    expect(on.spans.find((s) => s.name === 'execute_tool get_weather')?.attributes['gen_ai.tool.call.arguments']).toBe('{"city":"Paris"}');
  });

  it.each([
    [
      'a response without an id',
      'page.json',
      () => JSON.stringify({ object: 'list', data: [responseJson({ id: 'resp_1' }), responseJson({ id: null })] }, null, 2),
      /page\.json: line \d+ at data\[1\]: response: id: missing or not a string$/,
    ],
    [
      'a list holding something else',
      'list.jsonl',
      () => `${JSON.stringify([responseJson({ id: 'resp_1' }), { object: 'conversation', id: 'conv_1' }])}\n`,
      /list\.jsonl: line 1 at \[1\]: object: expected 'response'/,
    ],
    [
      'an object no source reads',
      'odd.jsonl',
      () => `${JSON.stringify(responseJson({ id: 'resp_1' }))}\n${JSON.stringify({ object: 'conversation', id: 'conv_1' })}\n`,
      /odd\.jsonl: line 2: object: 'conversation' is not one import reads; import reads .*Responses/,
    ],
  ])('rejects %s, naming the file, the line and the field', (_what, name, text, message) => {
    const [file] = write({ [name]: text() });
    expect(() => readImportFiles([file!])).toThrow(message);
  });
});
