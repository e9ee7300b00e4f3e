// `import` as a user runs it: a real process, real OTLP over HTTP (protobuf and JSON) and gRPC.
import { writeFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mapRunsOneByOne } from '../../src/sources/assistants/importer.js';
import { resolveConfig } from '../../src/config/resolve.js';
import { emptySavedRuns, readSavedRunsFile } from '../../src/sources/assistants/file-source.js';
import { runCli } from '../support/cli.js';
import { expectExactly } from '../support/expected-spans.js';
import { startOtlpGrpcReceiver, startOtlpReceiver, type OtlpReceiver } from '../support/otlp-receiver/index.js';

const SAMPLE = join(import.meta.dirname, '../../samples/runs.json');

function expectedFor(file: string, env: Record<string, string> = {}) {
  const saved = emptySavedRuns();
  readSavedRunsFile(file, saved);
  return [...mapRunsOneByOne(saved, resolveConfig({ flags: {}, env }), 0)].flat();
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
    expect(
      rx
        .spans()
        .some((s) => Object.keys(s.attributes).some((k) => k.startsWith('gen_ai.tool.call.arg') || k === 'gen_ai.system_instructions')),
    ).toBe(false);
  });

  it('reads JSONL with runs and steps on separate lines', async () => {
    rx.reset();
    const dir = mkdtempSync(join(tmpdir(), 'aob-import-'));
    const doc = JSON.parse(readFileSync(SAMPLE, 'utf8')) as Record<string, unknown>[];
    const lines: string[] = [];
    for (const item of doc) {
      const { steps, ...rest } = item as { steps?: unknown };
      lines.push(JSON.stringify(rest));
      const list = Array.isArray(steps) ? steps : ((steps as { data?: unknown[] } | undefined)?.data ?? []);
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
    const lines = result.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { name: string; startTimeUnixNano: string });
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
    [
      ['import', SAMPLE],
      { OTEL_EXPORTER_OTLP_PROTOCOL: 'carrier-pigeon' },
      /otlp\.protocol: must be one of .* \(from OTEL_EXPORTER_OTLP_PROTOCOL\)/,
    ],
    [
      ['import', SAMPLE],
      { OTEL_EXPORTER_OTLP_ENDPOINT: 'not a url' },
      /otlp\.endpoint: must be an absolute http\(s\) URL .*OTEL_EXPORTER_OTLP_ENDPOINT/,
    ],
    [['import', '--content-max-length', 'lots', SAMPLE], {}, /--content-max-length: must be an integer/],
  ])('bad input %j exits 2 with one line naming the field', async (args, env, message) => {
    const result = await runCli(args, env);
    expect(result.code).toBe(2);
    const lines = result.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(message);
  });

  /** Writes `files` to a fresh folder; returns their paths in order. */
  function writeInputs(files: Record<string, string>): string[] {
    const dir = mkdtempSync(join(tmpdir(), 'aob-import-'));
    return Object.entries(files).map(([name, text]) => {
      writeFileSync(join(dir, name), text);
      return join(dir, name);
    });
  }

  /** Runs import against the receiver; expects exit 2, one stderr line, nothing exported. Returns that line. */
  async function rejected(files: string[]): Promise<string> {
    rx.reset();
    const result = await runCli(['import', ...files], { OTEL_EXPORTER_OTLP_ENDPOINT: rx.url });
    expect(result.code, result.stderr).toBe(2);
    const lines = result.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(rx.spans()).toHaveLength(0);
    return lines[0]!;
  }

  const run = (id: string, extra: Record<string, unknown> = {}) => ({
    id,
    object: 'thread.run',
    thread_id: 'thread_1',
    status: 'completed',
    created_at: 1_760_000_000,
    ...extra,
  });
  const step = (id: string, runId: string) => ({
    id,
    object: 'thread.run.step',
    run_id: runId,
    type: 'message_creation',
    status: 'completed',
    created_at: 1_760_000_001,
    step_details: { type: 'message_creation' },
  });

  it('names the line and column of a syntax error in a pretty-printed file: where the comma is missing', async () => {
    // Line 3 lacks the comma after "thread.run"; the next key is on line 4.
    const [file] = writeInputs({ 'pretty.json': '[\n  {\n    "object": "thread.run"\n    "id": "run_1"\n  }\n]\n' });
    const line = await rejected([file!]);
    expect(line).toBe(
      `assistants-otel-bridge: ${file}: line 3, column 27: not valid JSON: missing ',' or '}' after this value; next comes a string at line 4, column 5`,
    );
  });

  it('names where a pretty-printed file ends early and what is left open', async () => {
    const text = `${JSON.stringify([run('run_1'), run('run_2')], null, 2).slice(0, -4)}\n`;
    const [file] = writeInputs({ 'cut.json': text });
    const line = await rejected([file!]);
    const lastLine = text.split('\n').length;
    expect(line).toMatch(
      new RegExp(
        `cut\\.json: line ${lastLine}, column 1: not valid JSON: the input ends before the object opened at line \\d+, column 3 is closed; '}' is missing$`,
      ),
    );
  });

  it('gives a JSONL syntax error one line number, the file line, and never quotes the content', async () => {
    const [file] = writeInputs({
      'runs.jsonl': `${JSON.stringify(run('run_1'))}\n\n{"id": "run_2", "instructions": "secret plan" "status": "completed"}\n`,
    });
    const line = await rejected([file!]);
    expect(line).toBe(
      `assistants-otel-bridge: ${file}: line 3, column 46: not valid JSON: missing ',' or '}' after this value; next comes a string at column 47`,
    );
    expect(line.match(/line \d+/g)).toHaveLength(1);
    expect(line).not.toContain('secret plan');
  });

  it('reads JSONL saved under a .json name, and still names the JSONL line of an error', async () => {
    const [file] = writeInputs({
      'saved.json': `${JSON.stringify(run('run_1'))}\n${JSON.stringify(run('run_2', { status: 'failed' }))}\n${JSON.stringify(step('step_1', 'run_2'))}\n`,
    });
    rx.reset();
    const ok = await runCli(['import', file!], { OTEL_EXPORTER_OTLP_ENDPOINT: rx.url });
    expect(ok.code, ok.stderr).toBe(0);
    expect(rx.spans()).toHaveLength(3);
    const [bad] = writeInputs({ 'saved.json': `${JSON.stringify(run('run_1'))}\n{"id": "run_2",}\n` });
    expect(await rejected([bad!])).toMatch(
      /saved\.json: line 2, column 16: not valid JSON: expected a property name in double quotes, found '}'; is there a comma too many before it\?$/,
    );
  });

  it('rejects a run that has steps but no id, naming the file, the object and the field, and exports nothing', async () => {
    const { id: _id, ...noId } = run('run_2', { steps: [step('step_1', 'run_2')] });
    const [json] = writeInputs({ 'runs.json': JSON.stringify([run('run_1'), noId], null, 2) });
    // The second run starts on line 10 of the pretty-printed file.
    const lineOfSecond =
      JSON.stringify([run('run_1'), noId], null, 2)
        .split('\n')
        .findIndex((l, i) => i > 1 && l.trim() === '{') + 1;
    expect(await rejected([json!])).toBe(`assistants-otel-bridge: ${json}: line ${lineOfSecond} at [1]: run: id: missing or not a string`);
    const [jsonl] = writeInputs({ 'runs.jsonl': `${JSON.stringify(run('run_1'))}\n${JSON.stringify(noId)}\n` });
    expect(await rejected([jsonl!])).toBe(`assistants-otel-bridge: ${jsonl}: line 2: run: id: missing or not a string`);
  });

  it('rejects a step whose run is not in the input, naming the file and the line, and exports nothing', async () => {
    const [jsonl] = writeInputs({
      'steps.jsonl': `${JSON.stringify(run('run_1'))}\n${JSON.stringify(step('step_1', 'run_1'))}\n${JSON.stringify(step('step_9', 'run_404'))}\n`,
    });
    expect(await rejected([jsonl!])).toBe(
      `assistants-otel-bridge: ${jsonl}: line 3: run step step_9: its run run_404 is not in the input; import the file that holds the run as well`,
    );
    const doc = JSON.stringify(
      { object: 'list', data: [step('step_7', 'run_gone'), step('step_8', 'run_gone'), step('step_9', 'run_other')] },
      null,
      2,
    );
    const [json] = writeInputs({ 'page.json': doc });
    expect(await rejected([json!])).toBe(
      `assistants-otel-bridge: ${json}: line 4 at data[0]: run step step_7: its run run_gone is not in the input; import the file that holds the run as well (steps of 1 more runs are missing their run too)`,
    );
  });

  it('matches steps to runs read from another file', async () => {
    const [runs, steps] = writeInputs({
      'runs.jsonl': `${JSON.stringify(run('run_1'))}\n`,
      'steps.jsonl': `${JSON.stringify(step('step_1', 'run_1'))}\n${JSON.stringify(step('step_2', 'run_1'))}\n`,
    });
    rx.reset();
    const result = await runCli(['import', steps!, runs!], { OTEL_EXPORTER_OTLP_ENDPOINT: rx.url });
    expect(result.code, result.stderr).toBe(0);
    expect(
      rx
        .spans()
        .map((s) => s.attributes['openai.run_step.id'] ?? s.attributes['openai.run.id'])
        .sort(),
    ).toEqual(['run_1', 'step_1', 'step_2']);
  });

  it('rejects a run without an id, naming the file and the place', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'aob-import-'));
    const file = join(dir, 'bad.jsonl');
    writeFileSync(
      file,
      `${JSON.stringify({ id: 'run_ok', object: 'thread.run' })}\n${JSON.stringify({ object: 'thread.run', status: 'completed' })}\n`,
    );
    const result = await runCli(['import', file]);
    expect(result.code).toBe(2);
    expect(result.stderr.trim()).toMatch(/bad\.jsonl: line 2: run: id: missing or not a string$/);
  });
});
