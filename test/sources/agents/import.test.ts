// `import` of saved Agents API session traces: list pages and single `agent.session.trace` entries,
// JSON and JSONL, read through the core's file reader and dispatch, forwarded as a watch forwards a
// settled turn's trace. Bad input names the file, the line and the field; a trace that is not OTLP
// is counted and logged, as a watch does, never fatal.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { readImportFiles } from '../../../src/cli/import-command.js';
import { resolveConfig } from '../../../src/config/resolve.js';
import type { SpanRecord } from '../../../src/core/span-record.js';
import { AgentsImporter } from '../../../src/sources/agents/importer.js';
import { publishedSpanKey } from '../../../src/sources/agents/keys.js';
import { parseOtlpTrace } from '../../../src/sources/agents/otlp-json.js';
import { request, rootSpan, otlpSpan, simulatedTurns, TRACE_ID, ROOT_ID } from './helpers.js';

const CONTENT_KEYS = /^gen_ai\.(input|output)\.messages$|^gen_ai\.system_instructions$|^gen_ai\.tool\.call\.(arguments|result)$/;

function write(files: Record<string, string>): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'aob-agents-import-'));
  return Object.entries(files).map(([name, text]) => {
    writeFileSync(join(dir, name), text);
    return join(dir, name);
  });
}

function capture() {
  const lines: Record<string, unknown>[] = [];
  const log = pino({ level: 'debug' }, { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
  return { log, lines };
}

/** Reads `files` as `import` does; the agents importer it filled, its spans and what it logged. */
function imported(files: string[], env: Record<string, string> = {}) {
  const importers = readImportFiles(files);
  const agents = importers.find((i) => i instanceof AgentsImporter);
  expect(agents, 'the agents importer took the files').toBeDefined();
  const { log, lines } = capture();
  const spans = [...agents!.spans(resolveConfig({ flags: {}, env }), 1_790_000_000, log)].flat();
  return { importer: agents!, spans, lines };
}

const entry = (id: string, otlp: unknown, sessionId = 'sess_1') => ({
  id,
  object: 'agent.session.trace',
  created_at: 1_760_000_000,
  session_id: sessionId,
  otlp,
});
const page = (data: unknown[]) => ({ object: 'list', data, first_id: null, last_id: null, has_more: false });

describe('import of saved agent session traces', () => {
  const { turns } = simulatedTurns(41, { sessions: 3, backfillTurns: 12, liveSessions: 0, liveTurns: 0 });
  const published = turns.filter((t) => t.parts.length > 0);

  it('forwards every published span of list pages (JSON) and single entries (JSONL) once, as published, content removed', () => {
    expect(published.length).toBeGreaterThanOrEqual(5);
    const bySession = new Map<string, unknown[]>();
    for (const t of published) bySession.set(t.sessionId, [...(bySession.get(t.sessionId) ?? []), t.parts.at(-1)]);
    const pages = Object.fromEntries([...bySession.values()].map((data, i) => [`page-${i}.json`, JSON.stringify(page(data), null, 2)]));
    // The first part of each two-part trace again, as JSONL: its spans are in the final part too, exported once.
    const firsts = published.filter((t) => t.parts.length > 1).map((t) => JSON.stringify(t.parts[0]));
    const files = write({ ...pages, 'firsts.jsonl': `${firsts.join('\n')}\n` });
    const { importer, spans } = imported(files);

    const expected = published.flatMap((t) => parseOtlpTrace(t.parts.at(-1)!.otlp).spans.map((s) => publishedSpanKey(s.traceId, s.spanId)));
    const keys = spans.map((s) => s.key);
    expect(new Set(keys).size).toBe(keys.length);
    expect([...keys].sort()).toEqual([...new Set(expected)].sort());
    expect(importer.counts()).toEqual({ sessions: bySession.size, traces: published.length });
    // Exactly as published: ids, parents and nanosecond times.
    for (const t of published) {
      for (const s of parseOtlpTrace(t.parts.at(-1)!.otlp).spans) {
        const got = spans.find((r) => r.traceId === s.traceId && r.spanId === s.spanId)!;
        expect(got.parent?.spanId ?? null).toBe(s.parent?.spanId ?? null);
        expect(got.start).toBe(s.start);
        if (s.end !== null) expect(got.end).toBe(s.end);
        expect(got.name).toBe(s.name);
      }
    }
    expect(spans.flatMap((s) => Object.keys(s.attributes).filter((k) => CONTENT_KEYS.test(k)))).toEqual([]);
    // The root turn span names its session and turn.
    for (const t of published) {
      const root = spans.find((s) => s.parent === null && s.traceId === parseOtlpTrace(t.parts.at(-1)!.otlp).spans[0]?.traceId);
      expect(root?.attributes['gen_ai.conversation.id']).toBe(t.sessionId);
      expect(root?.attributes['openai.agents.turn.id'] ?? t.turn.id).toBe(t.turn.id);
    }
  });

  it('keeps content when capture is on, and fills the resource with the configured service name only where it lacks one', () => {
    const otlp = request([
      rootSpan({ attributes: [{ key: 'gen_ai.input.messages', value: { stringValue: '[{"role":"user"}]' } }] }),
      otlpSpan(),
    ]);
    const [file] = write({ 'one.json': JSON.stringify(entry('turn_1', otlp)) });
    const on = imported([file!], { OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: 'true' });
    expect(on.spans.find((s) => s.spanId === ROOT_ID)?.attributes['gen_ai.input.messages']).toBe('[{"role":"user"}]');
    const off = imported([file!]);
    const root = off.spans.find((s) => s.spanId === ROOT_ID)!;
    expect(root.attributes['gen_ai.input.messages']).toBeUndefined();
    expect(root.resource?.attributes['service.name']).toBe('openai-agents');
    expect(root.attributes).toMatchObject({
      'gen_ai.conversation.id': 'sess_1',
      'openai.agents.turn.id': 'turn_1',
      'gen_ai.provider.name': 'openai',
    });
    expect(root.history).toBe(true);
  });

  it('ends a span saved without an end with the root span, marked end unknown', () => {
    const otlp = request([rootSpan(), otlpSpan({ endTimeUnixNano: undefined })]);
    const [file] = write({ 'open.json': JSON.stringify(entry('turn_1', otlp)) });
    const child = imported([file!]).spans.find((s) => s.spanId !== ROOT_ID) as SpanRecord;
    expect(child.end).toBe('1760000001987654321');
    expect(child.attributes['assistants_bridge.end_unknown']).toBe(true);
  });

  it('counts and logs a trace that is not OTLP, as a watch does, and forwards the others', () => {
    const [file] = write({
      'mixed.jsonl': `${JSON.stringify(entry('turn_1', 'not otlp'))}\n${JSON.stringify(entry('turn_2', request([rootSpan()])))}\n`,
    });
    const { spans, lines } = imported([file!]);
    expect(spans.map((s) => s.traceId)).toEqual([TRACE_ID]);
    const warn = lines.find((l) => l.msg === 'parts of a saved trace could not be forwarded as published; the rest was');
    expect(warn?.problems).toMatchObject({ not_otlp: { count: 1 } });
    expect(JSON.stringify(lines)).not.toContain('not otlp');
  });

  it.each([
    [
      'an entry without its turn id',
      'page.json',
      () => JSON.stringify(page([entry('turn_1', {}), { ...entry('x', {}), id: 7 }]), null, 2),
      /page\.json: line 11 at data\[1\]: agent\.session\.trace: id: missing or not a string/,
    ],
    [
      'an entry without its session',
      'traces.jsonl',
      () => `${JSON.stringify(entry('turn_1', {}))}\n${JSON.stringify({ ...entry('turn_2', {}), session_id: null })}\n`,
      /traces\.jsonl: line 2: agent\.session\.trace: session_id: missing or not a string/,
    ],
    [
      'a list page holding something else',
      'odd.jsonl',
      () => `${JSON.stringify(page([entry('turn_1', {}), null]))}\n`,
      /odd\.jsonl: line 1 at data\[1\]: object: expected 'agent\.session\.trace'/,
    ],
    [
      'an object no source reads',
      'session.jsonl',
      () => `${JSON.stringify({ id: 'sess_1', object: 'agent.session' })}\n${JSON.stringify(entry('turn_1', {}))}\n`,
      /session\.jsonl: line 1: object: 'agent\.session' is not one import reads; import reads .*Agents API session traces/,
    ],
  ])('rejects %s, naming the file, the line and the field', (_what, name, text, message) => {
    const [file] = write({ [name]: text() });
    expect(() => readImportFiles([file!])).toThrow(message);
    try {
      readImportFiles([file!]);
    } catch (error) {
      expect((error as Error).message.split('\n')).toHaveLength(1);
      expect((error as { exitCode?: number }).exitCode).toBe(2);
    }
  });
});
