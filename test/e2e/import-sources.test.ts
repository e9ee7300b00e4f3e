// `import` and `trace-id` for the agents and responses sources, as a user runs them: the built CLI
// as a process, the simulator's APIs read over HTTP to make realistic saved files, the strict OTLP
// receiver. Saved session traces go out as `watch` forwards them; saved responses as the mapping
// makes them; `trace-id` finds a turn's published trace and a response's app trace in a state file.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { readImportFiles } from '../../src/cli/import-command.js';
import { resolveConfig } from '../../src/config/resolve.js';
import type { SpanRecord } from '../../src/core/span-record.js';
import { startSimulator, type AgentsTruth, type RunningSimulator } from '../../src/simulator/index.js';
import { syntheticTraceId } from '../../src/sources/agents/keys.js';
import { traceIdForResponse } from '../../src/sources/responses/ids.js';
import { SOURCES } from '../../src/sources/registry.js';
import { openStateStore } from '../../src/state/store.js';
import { runCli, startCli } from '../support/cli.js';
import { expectExactly } from '../support/expected-spans.js';
import { startOtlpReceiver, type OtlpReceiver } from '../support/otlp-receiver/index.js';
import type { ReceivedSpan } from '../support/otlp-receiver/types.js';
import { plainAttributes } from '../sources/agents/helpers.js';
import { context as responseContext } from '../sources/responses/fixtures.js';

let sim: RunningSimulator | undefined;
const receivers: OtlpReceiver[] = [];

afterEach(async () => {
  await sim?.shutdown();
  for (const rx of receivers.splice(0)) await rx.close();
  sim = undefined;
});

async function receiver(): Promise<OtlpReceiver> {
  const rx = await startOtlpReceiver();
  receivers.push(rx);
  return rx;
}

const dir = (): string => mkdtempSync(join(tmpdir(), 'aob-import-sources-'));

/** What the CLI must send for `files`, from the same reader and importers in this process. */
function expectedFor(files: string[]): SpanRecord[] {
  const config = resolveConfig({ flags: {}, env: {} });
  const log = pino({ level: 'silent' });
  return readImportFiles(files).flatMap((importer) => [...importer.spans(config, Math.floor(Date.now() / 1000), log)].flat());
}

/** A record with its values in the plain form the receiver decodes to. */
const plainRecord = (r: SpanRecord): SpanRecord =>
  ({
    ...r,
    attributes: plainAttributes(r.attributes),
    events: r.events?.map((e) => ({ ...e, attributes: plainAttributes(e.attributes) })),
    links: r.links?.map((l) => ({ ...l, attributes: plainAttributes(l.attributes) })),
  }) as SpanRecord;

/** A span as the receiver got it, without what only the watch knows (the agent of the session). */
function comparable(span: ReceivedSpan) {
  const { ['gen_ai.agent.id']: _agent, ...attributes } = span.attributes;
  return {
    traceId: span.traceId,
    spanId: span.spanId,
    parentSpanId: span.parentSpanId,
    name: span.name,
    kind: span.kind,
    start: span.startTimeUnixNano,
    end: span.endTimeUnixNano,
    status: span.status,
    attributes,
    events: span.events,
    links: span.links,
    resource: span.resource,
  };
}

async function getJson(url: string, headers: Record<string, string>): Promise<Record<string, unknown>> {
  const response = await fetch(url, { headers });
  expect(response.status, url).toBe(200);
  return (await response.json()) as Record<string, unknown>;
}

describe('import and trace-id: Agents API session traces', () => {
  it('forwards saved trace pages exactly as watch forwarded them, and trace-id finds each turn its trace', async () => {
    sim = await startSimulator({
      seed: 23,
      clock: { speed: 1 },
      world: { threads: 1, backfillRuns: 0, liveRuns: 0 },
      agents: { sessions: 2, backfillTurns: 8, liveSessions: 0, liveTurns: 0, publishDelaySeconds: [1, 2] },
    });
    const s = sim;
    const sessions = ((await getJson(`${s.origin}/_sim/agents/truth`, {})) as unknown as AgentsTruth).sessions.map((x) => x.id);
    const watchRx = await receiver();
    const state = join(dir(), 'state.sqlite');
    const watch = await runCli(
      [
        'watch',
        ...sessions.flatMap((id) => ['--agent-session', id]),
        '--agent-trace-wait',
        '5s',
        '--state',
        state,
        '--listen',
        'off',
        '--active-interval',
        '200',
        '--exit-when-idle',
      ],
      { OPENAI_API_KEY: s.apiKey, OPENAI_BASE_URL: s.url, OTEL_EXPORTER_OTLP_ENDPOINT: watchRx.url },
      120_000,
    );
    expect(watch.code, watch.stderr).toBe(0);

    // Save every session's traces as the API lists them: the first session's pages as JSON lines
    // of pages, the second's entries one a line. As a user must: a page refused for its size is
    // asked again one trace at a time, and a trace too large even alone is left out.
    const truth = (await getJson(`${s.origin}/_sim/agents/truth`, {})) as unknown as AgentsTruth;
    const headers = { Authorization: `Bearer ${s.apiKey}`, 'OpenAI-Beta': 'agents=v1' };
    const saved = dir();
    const files: string[] = [];
    for (const [i, session] of sessions.entries()) {
      const listed = truth.turns.filter(
        (t) => t.sessionId === session && t.subagentId === null && t.trace?.publishAt != null && t.trace.publishAt <= truth.now,
      );
      const pages: Record<string, unknown>[] = [];
      let after: string | null = null;
      let limit = 3;
      for (;;) {
        const query = `order=asc&limit=${limit}${after ? `&after=${after}` : ''}`;
        const response = await fetch(`${s.url}/agents/sessions/${session}/traces?${query}`, { headers });
        if (response.status === 400 && limit > 1) {
          limit = 1;
          continue;
        }
        if (response.status === 400) {
          after = listed[listed.findIndex((t) => t.turnId === after) + 1]!.turnId;
          continue;
        }
        expect(response.status).toBe(200);
        const page = (await response.json()) as Record<string, unknown>;
        pages.push(page);
        if (page.has_more !== true) break;
        after = page.last_id as string;
        limit = 3;
      }
      const file = join(saved, i === 0 ? 'pages.jsonl' : 'entries.jsonl');
      const lines = i === 0 ? pages : pages.flatMap((p) => p.data as unknown[]);
      writeFileSync(file, `${lines.map((l) => JSON.stringify(l)).join('\n')}\n`);
      files.push(file);
    }

    const rx = await receiver();
    const result = await runCli(['import', ...files], { OTEL_EXPORTER_OTLP_ENDPOINT: rx.url, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' });
    expect(result.code, result.stderr).toBe(0);
    const expected = expectedFor(files);
    expect(expected.length).toBeGreaterThan(10);
    expectExactly(rx.spans(), expected.map(plainRecord));
    for (const span of rx.spans()) expect(span.resource['service.name']).toBeDefined();

    // The same spans as the watch forwarded, field by field (but the session's agent, which a saved
    // trace does not name): every published span the watch saw end.
    const imported = new Map(rx.spans().map((span) => [`${span.traceId}/${span.spanId}`, span]));
    const forwarded = watchRx
      .spans()
      .filter(
        (span) => span.attributes['assistants_bridge.trace_source'] !== 'synthetic' && !span.attributes['assistants_bridge.end_unknown'],
      );
    expect(forwarded.length).toBeGreaterThan(10);
    for (const span of forwarded) {
      const twin = imported.get(`${span.traceId}/${span.spanId}`);
      expect(twin, `${span.name} ${span.spanId} imported`).toBeDefined();
      expect(comparable(twin!)).toEqual(comparable(span));
    }

    // trace-id: a turn whose trace the watch forwarded is in that trace; one that got a synthetic
    // span is in the synthetic span's; without a state file, the synthetic one and a note.
    const roots = truth.turns.filter((t) => t.subagentId === null);
    const published = roots.find((t) => t.trace !== null && forwarded.some((span) => span.traceId === t.trace!.traceId));
    expect(published, 'a turn whose trace the watch forwarded').toBeDefined();
    const found = await runCli(['trace-id', published!.turnId, '--state', state]);
    expect(found.code, found.stderr).toBe(0);
    expect(found.stdout.trim()).toBe(published!.trace!.traceId);
    expect(found.stderr).toBe('');
    const synthetic = roots.find((t) => watchRx.spans().some((span) => span.traceId === syntheticTraceId(t.turnId)));
    expect(synthetic, 'a turn the watch gave a synthetic span').toBeDefined();
    const stand = await runCli(['trace-id', synthetic!.turnId, '--state', state]);
    expect(stand.stdout.trim()).toBe(syntheticTraceId(synthetic!.turnId));
    expect(stand.stderr).toBe('');
    const bare = await startCli(['trace-id', published!.turnId], {}, dir()).exited;
    expect(bare.code).toBe(0);
    expect(bare.stdout).toBe(`${syntheticTraceId(published!.turnId)}\n`);
    expect(bare.stderr.trim().split('\n')).toEqual([
      "assistants-otel-bridge: no state file read (./data/bridge.sqlite does not exist): printed the trace id of the turn's synthetic span (made when its trace never appears); a turn whose trace the Agents API published is in that trace instead, which only the state file of the watch that forwarded it records (give it with --state)",
    ]);
  });
});

describe('import and trace-id: Responses', () => {
  it("exports saved responses (a list page and JSONL) exactly, each in its own or its app's trace, linked to the one it continues", async () => {
    sim = await startSimulator({
      seed: 29,
      clock: { speed: 50 },
      world: { threads: 1, backfillRuns: 0, liveRuns: 0 },
      responses: { world: { backfillResponses: 16, liveResponses: 0 } },
    });
    const s = sim;
    const truth = (await getJson(`${s.origin}/_sim/responses/truth`, {})) as {
      responses: { id: string; finished: boolean; deleted: boolean; createdAt: number; previousResponseId: string | null }[];
    };
    const finished = truth.responses.filter((r) => r.finished && !r.deleted);
    expect(finished.length).toBeGreaterThanOrEqual(8);
    expect(
      finished.some((r) => finished.some((p) => p.id === r.previousResponseId)),
      'a response continuing another',
    ).toBe(true);
    const headers = { Authorization: `Bearer ${s.apiKey}` };
    const objects = await Promise.all(finished.map((r) => getJson(`${s.responsesUrl}/responses/${r.id}`, headers)));
    const saved = dir();
    const half = Math.floor(objects.length / 2);
    const page = join(saved, 'page.json');
    writeFileSync(page, JSON.stringify({ object: 'list', data: objects.slice(0, half), has_more: false }, null, 2));
    const lines = join(saved, 'responses.jsonl');
    writeFileSync(
      lines,
      `${objects
        .slice(half)
        .map((o) => JSON.stringify(o))
        .join('\n')}\n`,
    );

    const rx = await receiver();
    const result = await runCli(['import', page, lines], { OTEL_EXPORTER_OTLP_ENDPOINT: rx.url });
    expect(result.code, result.stderr).toBe(0);
    expectExactly(rx.spans(), expectedFor([page, lines]).map(plainRecord));
    // Against the simulator: one root span per response, at its creation, in its app's trace or its own.
    for (const [i, r] of finished.entries()) {
      const roots = rx.spans().filter((span) => span.attributes['gen_ai.response.id'] === r.id && !span.name.startsWith('execute_tool'));
      expect(roots, r.id).toHaveLength(1);
      const traceparent = (objects[i]!.metadata as Record<string, unknown> | null)?.traceparent;
      expect(roots[0]!.traceId).toBe(typeof traceparent === 'string' ? traceparent.split('-')[1] : traceIdForResponse(r.id));
      expect(roots[0]!.startTimeUnixNano).toBe(`${r.createdAt}000000000`);
      const previous = r.previousResponseId;
      if (previous && finished.some((p) => p.id === previous))
        expect(roots[0]!.links.map((l) => l.attributes['gen_ai.response.id'])).toEqual([previous]);
    }
  });

  it("trace-id of a response: the derived id and a note without a state file; the app's trace from the state file's recorded context", async () => {
    const id = 'resp_0123456789abcdef';
    const bare = await startCli(['trace-id', id], {}, dir()).exited;
    expect(bare.code).toBe(0);
    expect(bare.stdout).toBe(`${traceIdForResponse(id)}\n`);
    expect(bare.stderr.trim().split('\n')).toEqual([
      "assistants-otel-bridge: no state file read (./data/bridge.sqlite does not exist): printed the id derived from the response id; a response that joined an app's trace (metadata.traceparent) is in that trace instead, which only the state file of the watch that traced it records (give it with --state)",
    ]);

    const state = join(dir(), 'state.sqlite');
    const store = openStateStore(state);
    store.trackUnits('responses', [{ kind: 'response', id, origin: 'control' }]);
    const context = responseContext({ traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' });
    store.commit({ source: 'responses', unit: { kind: 'response', id }, spans: [], frozen: { context, owner: id, previous: null } });
    await store.shutdown();
    const joined = await runCli(['trace-id', id, '--state', state]);
    expect(joined.code, joined.stderr).toBe(0);
    expect(joined.stdout.trim()).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    expect(joined.stderr).toBe('');
    const other = await runCli(['trace-id', 'resp_other', '--state', state]);
    expect(other.stdout.trim()).toBe(traceIdForResponse('resp_other'));
    expect(other.stderr).toMatch(/resp_other is not traced in .*state\.sqlite \(yet\): printed the id derived from the response id/);
  });

  it('refuses an id no source claims: exit 2, one line', async () => {
    const result = await runCli(['trace-id', 'thread_abc']);
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n')).toEqual([
      "assistants-otel-bridge: id: 'thread_abc' is not an id trace-id knows; give one of: Assistants run ids (run_...), Agents API turn ids (turn_...), response ids (resp_...) (from the command line)",
    ]);
  });
});

describe('--help of import and trace-id', () => {
  it('import --help names what every registered importer reads; trace-id --help every kind of id claimed', async () => {
    const flat = (text: string): string => text.replace(/\s+/g, ' ');
    const importHelp = await runCli(['import', '--help']);
    expect(importHelp.code).toBe(0);
    const importers = SOURCES.flatMap((source) => (source.importer ? [source.importer()] : []));
    expect(importers).toHaveLength(3);
    for (const importer of importers) expect(flat(importHelp.stdout)).toContain(importer.reads.replace(/\s+/g, ' '));
    const traceIdHelp = await runCli(['trace-id', '--help']);
    expect(traceIdHelp.code).toBe(0);
    for (const prefix of ['run_', 'turn_', 'resp_']) {
      expect(SOURCES.some((source) => source.traceIds?.claims(`${prefix}x`))).toBe(true);
      expect(traceIdHelp.stdout).toContain(`${prefix}...`);
    }
  });
});
