// `import` as a user runs it: a real process, real OTLP over HTTP (protobuf and JSON) and gRPC.
import { writeFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mapSavedRuns } from '../../src/cli/import-command.js';
import { resolveConfig } from '../../src/config/resolve.js';
import { emptySavedRuns, readSavedRunsFile } from '../../src/source/file-source.js';
import { runCli } from '../support/cli.js';
import { expectExactly } from '../support/expected-spans.js';
import { startOtlpGrpcReceiver, startOtlpReceiver, type OtlpReceiver } from '../support/otlp-receiver/index.js';

const SAMPLE = join(import.meta.dirname, '../../samples/runs.json');

function expectedFor(file: string, env: Record<string, string> = {}) {
  const saved = emptySavedRuns();
  readSavedRunsFile(file, saved);
  return mapSavedRuns(saved, resolveConfig({ flags: {}, env }), 0);
}

describe('import', () => {
  let rx: OtlpReceiver;
  beforeAll(async () => {
    rx = await startOtlpReceiver();
  });
  afterAll(async () => {
    await rx.close();
  });

  for (const protocol of ['http/protobuf', 'http/json'] as const) {
    it(`exports every span of the sample exactly, over ${protocol}`, async () => {
      rx.reset();
      const result = await runCli(['import', SAMPLE], { OTEL_EXPORTER_OTLP_ENDPOINT: rx.url, OTEL_EXPORTER_OTLP_PROTOCOL: protocol });
      expect(result.stderr).not.toMatch(/error/i);
      expect(result.code).toBe(0);
      const expected = expectedFor(SAMPLE);
      expect(expected.length).toBe(12);
      expectExactly(rx.spans(), expected);
      for (const span of rx.spans()) {
        expect(span.resource['service.name']).toBe('openai-assistants');
        expect(span.encoding).toBe(protocol === 'http/json' ? 'json' : 'protobuf');
      }
      // The run with a traceparent in its metadata joins that trace, under that span.
      const joined = rx.spans().find((s) => s.attributes['openai.run.id'] === 'run_sample02' && s.name.startsWith('invoke_agent'));
      expect(joined?.traceId).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
      expect(joined?.parentSpanId).toBe('00f067aa0ba902b7');
    });
  }

  it('exports over gRPC', async () => {
    const grpc = await startOtlpGrpcReceiver();
    try {
      const result = await runCli(['import', SAMPLE], { OTEL_EXPORTER_OTLP_ENDPOINT: grpc.url, OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' });
      expect(result.code).toBe(0);
      expectExactly(grpc.spans(), expectedFor(SAMPLE));
    } finally {
      await grpc.close();
    }
  });

  it('sends content only when capture is on, cut to the configured length', async () => {
    rx.reset();
    const env = { OTEL_EXPORTER_OTLP_ENDPOINT: rx.url, OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: 'true' };
    const result = await runCli(['import', '--content-max-length', '10', SAMPLE], env);
    expect(result.code).toBe(0);
    const tool = rx.spans().find((s) => s.name === 'execute_tool get_weather');
    expect(tool?.attributes['gen_ai.tool.call.arguments']).toBe('{"city":"L');
    rx.reset();
    await runCli(['import', SAMPLE], { OTEL_EXPORTER_OTLP_ENDPOINT: rx.url });
    expect(rx.spans().some((s) => Object.keys(s.attributes).some((k) => k.startsWith('gen_ai.tool.call.arg') || k === 'gen_ai.system_instructions'))).toBe(false);
  });

  it('reads JSONL with runs and steps on separate lines', async () => {
    rx.reset();
    const dir = mkdtempSync(join(tmpdir(), 'aob-import-'));
    const doc = JSON.parse(readFileSync(SAMPLE, 'utf8')) as Record<string, unknown>[];
    const lines: string[] = [];
    for (const item of doc) {
      const { steps, ...rest } = item as { steps?: unknown };
      lines.push(JSON.stringify(rest));
      const list = Array.isArray(steps) ? steps : (steps as { data?: unknown[] } | undefined)?.data ?? [];
      for (const s of list) lines.push(JSON.stringify(s));
    }
    const file = join(dir, 'runs.jsonl');
    writeFileSync(file, lines.reverse().join('\n'));
    const result = await runCli(['import', file], { OTEL_EXPORTER_OTLP_ENDPOINT: rx.url });
    expect(result.code).toBe(0);
    expectExactly(rx.spans(), expectedFor(SAMPLE));
  });

  it('prints spans as JSON lines when no endpoint is set', async () => {
    const result = await runCli(['import', SAMPLE]);
    expect(result.code).toBe(0);
    const lines = result.stdout.trim().split('\n').map((l) => JSON.parse(l) as { name: string; startTimeUnixNano: string });
    expect(lines).toHaveLength(12);
    expect(lines[0]?.startTimeUnixNano).toBe('1760000000000000000');
  });

  it('exits 1 with a clear line when the collector refuses the spans', async () => {
    rx.reset();
    rx.setFaults({ status: 400 });
    try {
      const result = await runCli(['import', '--log-format', 'json', SAMPLE], { OTEL_EXPORTER_OTLP_ENDPOINT: rx.url });
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('the collector refused a span');
    } finally {
      rx.setFaults({});
    }
  });

  it('retries a collector that answers 503 and then accepts', async () => {
    rx.reset();
    rx.setFaults({ status: 503, retryAfterSeconds: 0, count: 2 });
    const result = await runCli(['import', SAMPLE], { OTEL_EXPORTER_OTLP_ENDPOINT: rx.url });
    expect(result.code).toBe(0);
    expectExactly(rx.spans(), expectedFor(SAMPLE));
  });

  it.each([
    [['import', '/nonexistent/runs.json'], {}, /\/nonexistent\/runs\.json: cannot read/],
    [['import', SAMPLE], { OTEL_EXPORTER_OTLP_PROTOCOL: 'carrier-pigeon' }, /otlp\.protocol: must be one of .* \(from OTEL_EXPORTER_OTLP_PROTOCOL\)/],
    [['import', SAMPLE], { OTEL_EXPORTER_OTLP_ENDPOINT: 'not a url' }, /otlp\.endpoint: must be an absolute http\(s\) URL .*OTEL_EXPORTER_OTLP_ENDPOINT/],
    [['import', '--content-max-length', 'lots', SAMPLE], {}, /--content-max-length: must be an integer/],
  ])('bad input %j exits 2 with one line naming the field', async (args, env, message) => {
    const result = await runCli(args, env);
    expect(result.code).toBe(2);
    const lines = result.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(message);
  });

  it('rejects a run without an id, naming the file and the place', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'aob-import-'));
    const file = join(dir, 'bad.jsonl');
    writeFileSync(file, `${JSON.stringify({ id: 'run_ok', object: 'thread.run' })}\n${JSON.stringify({ object: 'thread.run', status: 'completed' })}\n`);
    const result = await runCli(['import', file]);
    expect(result.code).toBe(2);
    expect(result.stderr.trim()).toMatch(/bad\.jsonl: line 2: run: id: missing or not a string$/);
  });
});
