import http from 'node:http';
import { gzipSync } from 'node:zlib';
import { type HrTime, type Link, SpanKind, type SpanStatus, SpanStatusCode, type Attributes, ValueType } from '@opentelemetry/api';
import { type ExportResult, ExportResultCode, hrTimeDuration, TraceState } from '@opentelemetry/core';
import { OTLPTraceExporter as GrpcTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { OTLPTraceExporter as JsonTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtoTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { JsonMetricsSerializer, ProtobufMetricsSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { AggregationTemporality, DataPointType, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import type { ReadableSpan, SpanExporter, TimedEvent } from '@opentelemetry/sdk-trace';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import * as grpc from '@grpc/grpc-js';
import { RetryInfo, RpcStatus } from './otlp-receiver/proto.js';
import { type OtlpReceiver, type ReceivedSpan, startOtlpGrpcReceiver, startOtlpReceiver } from './otlp-receiver/index.js';

// ---------- real spans, as the sink builds them ----------

const TRACE_ID = '0af7651916cd43dd8448eb211c80319c';
const OTHER_TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const RUN_SPAN = 'b7ad6b7169203331';
const STEP_SPAN = '00f067aa0ba902b7';
const TOOL_SPAN = '53995c3f42cd8ad8';
const RESOURCE = resourceFromAttributes({
  'service.name': 'openai-assistants',
  'service.version': '0.1.0',
  'deployment.environment.name': 'test',
});
const SCOPE = { name: 'assistants-otel-bridge', version: '0.1.0' };

interface SpanInit {
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: SpanKind;
  start: HrTime;
  end: HrTime;
  status?: SpanStatus;
  attributes?: Attributes;
  events?: TimedEvent[];
  links?: Link[];
}

function readableSpan(init: SpanInit): ReadableSpan {
  return {
    name: init.name,
    kind: init.kind,
    spanContext: () => ({ traceId: TRACE_ID, spanId: init.spanId, traceFlags: 1, traceState: new TraceState('bridge=1') }),
    parentSpanContext: init.parentSpanId ? { traceId: TRACE_ID, spanId: init.parentSpanId, traceFlags: 1 } : undefined,
    startTime: init.start,
    endTime: init.end,
    duration: hrTimeDuration(init.start, init.end),
    status: init.status ?? { code: SpanStatusCode.UNSET },
    attributes: init.attributes ?? {},
    links: init.links ?? [],
    events: init.events ?? [],
    ended: true,
    resource: RESOURCE,
    instrumentationScope: SCOPE,
    droppedAttributesCount: 0,
    droppedEventsCount: 0,
    droppedLinksCount: 0,
  };
}

/** A run, its step and the step's tool call: every attribute type, an event, a link, all three statuses. */
function runTrace(): ReadableSpan[] {
  return [
    readableSpan({
      spanId: RUN_SPAN,
      name: 'invoke_agent Helper',
      kind: SpanKind.CLIENT,
      start: [1760000000, 0],
      end: [1760000042, 0],
      status: { code: SpanStatusCode.ERROR, message: 'Rate limit reached' },
      attributes: {
        'gen_ai.operation.name': 'invoke_agent',
        'gen_ai.usage.input_tokens': 1234,
        'gen_ai.request.temperature': 0.25,
        'openai.run.cancelled': false,
        'gen_ai.response.finish_reasons': ['stop', 'length'],
        'test.ints': [1, 2, 3],
        'test.bools': [true, false],
      },
      events: [{ name: 'gen_ai.user.message', time: [1760000001, 5], attributes: { 'test.k': 'v' } }],
      links: [{ context: { traceId: OTHER_TRACE_ID, spanId: 'a3ce929d0e0e4736', traceFlags: 0 }, attributes: { 'link.kind': 'previous' } }],
    }),
    readableSpan({
      spanId: STEP_SPAN,
      parentSpanId: RUN_SPAN,
      name: 'chat gpt-4o',
      kind: SpanKind.CLIENT,
      start: [1760000001, 0],
      end: [1760000001, 0],
      attributes: { 'gen_ai.operation.name': 'chat' },
    }),
    readableSpan({
      spanId: TOOL_SPAN,
      parentSpanId: STEP_SPAN,
      name: 'execute_tool get_weather',
      kind: SpanKind.INTERNAL,
      start: [1760000001, 0],
      end: [1760000003, 0],
      status: { code: SpanStatusCode.OK },
      attributes: { 'gen_ai.tool.name': 'get_weather' },
    }),
  ];
}

function expectRunTrace(spans: ReceivedSpan[], encoding: 'protobuf' | 'json'): void {
  const resource = { 'service.name': 'openai-assistants', 'service.version': '0.1.0', 'deployment.environment.name': 'test' };
  const common = { traceId: TRACE_ID, traceState: 'bridge=1', flags: 0x101, resource, scope: SCOPE, encoding, requestId: 0 };
  expect(spans).toHaveLength(3);
  expect(spans[0]).toEqual({
    ...common,
    spanId: RUN_SPAN,
    parentSpanId: '',
    name: 'invoke_agent Helper',
    kind: 3,
    startTimeUnixNano: '1760000000000000000',
    endTimeUnixNano: '1760000042000000000',
    status: { code: 2, message: 'Rate limit reached' },
    attributes: {
      'gen_ai.operation.name': 'invoke_agent',
      'gen_ai.usage.input_tokens': 1234,
      'gen_ai.request.temperature': 0.25,
      'openai.run.cancelled': false,
      'gen_ai.response.finish_reasons': ['stop', 'length'],
      'test.ints': [1, 2, 3],
      'test.bools': [true, false],
    },
    attributeTypes: {
      'gen_ai.operation.name': 'string',
      'gen_ai.usage.input_tokens': 'int',
      'gen_ai.request.temperature': 'double',
      'openai.run.cancelled': 'bool',
      'gen_ai.response.finish_reasons': 'array',
      'test.ints': 'array',
      'test.bools': 'array',
    },
    droppedAttributesCount: 0,
    events: [
      { name: 'gen_ai.user.message', timeUnixNano: '1760000001000000005', attributes: { 'test.k': 'v' }, droppedAttributesCount: 0 },
    ],
    droppedEventsCount: 0,
    links: [
      {
        traceId: OTHER_TRACE_ID,
        spanId: 'a3ce929d0e0e4736',
        traceState: '',
        flags: 0x100,
        attributes: { 'link.kind': 'previous' },
        droppedAttributesCount: 0,
      },
    ],
    droppedLinksCount: 0,
    receivedAt: expect.any(Number),
  });
  expect(spans[1]).toMatchObject({
    ...common,
    spanId: STEP_SPAN,
    parentSpanId: RUN_SPAN,
    name: 'chat gpt-4o',
    kind: 3,
    startTimeUnixNano: '1760000001000000000',
    endTimeUnixNano: '1760000001000000000',
    status: { code: 0, message: '' },
    attributes: { 'gen_ai.operation.name': 'chat' },
  });
  expect(spans[2]).toMatchObject({
    ...common,
    spanId: TOOL_SPAN,
    parentSpanId: STEP_SPAN,
    name: 'execute_tool get_weather',
    kind: 1,
    startTimeUnixNano: '1760000001000000000',
    endTimeUnixNano: '1760000003000000000',
    status: { code: 1, message: '' },
  });
}

type Compression = NonNullable<NonNullable<ConstructorParameters<typeof ProtoTraceExporter>[0]>['compression']>;
// The enum lives in @opentelemetry/otlp-exporter-base, which is not a direct dependency.
// eslint-disable-next-line @typescript-eslint/no-unsafe-enum-assignment -- its GZIP member is this string
const GZIP = 'gzip' as Compression;

function exportSpans(exporter: SpanExporter, spans: ReadableSpan[]): Promise<ExportResult> {
  return new Promise((resolve) => exporter.export(spans, resolve));
}

// ---------- raw HTTP, for what exporters never send ----------

interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

function post(url: string, body: string | Buffer, headers: Record<string, string>, timeoutMs = 5_000): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST', headers, agent: false, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('client timeout')));
    req.on('error', reject);
    req.end(body);
  });
}

function spanId(n: number): string {
  return n.toString(16).padStart(16, '0');
}

function jsonSpan(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    traceId: TRACE_ID,
    spanId: spanId(1),
    name: 'chat gpt-4o',
    kind: 3,
    startTimeUnixNano: '1760000000000000000',
    endTimeUnixNano: '1760000001000000000',
    attributes: [{ key: 'gen_ai.operation.name', value: { stringValue: 'chat' } }],
    status: {},
    ...overrides,
  };
}

function jsonRequest(spans: Array<Record<string, unknown>>): string {
  return JSON.stringify({
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'openai-assistants' } }] },
        scopeSpans: [{ scope: { name: 'raw', version: '1' }, spans }],
      },
    ],
  });
}

function postJson(rx: OtlpReceiver, body: string, timeoutMs?: number): Promise<RawResponse> {
  return post(rx.tracesUrl, body, { 'content-type': 'application/json' }, timeoutMs);
}

function errorOf(response: RawResponse): { code: number; message: string } {
  return JSON.parse(response.body.toString()) as { code: number; message: string };
}

function namedSpans(...names: string[]): string {
  return jsonRequest(names.map((name, i) => jsonSpan({ name, spanId: spanId(i + 1) })));
}

describe('OTLP/HTTP receiver', () => {
  let rx: OtlpReceiver;
  beforeEach(async () => {
    rx = await startOtlpReceiver();
  });
  afterEach(async () => {
    await rx.close();
  });

  describe('decodes what the real exporters send', () => {
    it('http/protobuf: ids, parents, kinds, exact nanosecond times, status, attributes, events, links, resource', async () => {
      const exporter = new ProtoTraceExporter({ url: rx.tracesUrl });
      const result = await exportSpans(exporter, runTrace());
      await exporter.shutdown();
      expect(result.code).toBe(ExportResultCode.SUCCESS);
      expectRunTrace(rx.spans(), 'protobuf');
      expect(rx.requests()).toMatchObject([{ path: '/v1/traces', encoding: 'protobuf', spanCount: 3, status: 200, faults: [] }]);
    });

    it('http/json: the same trace, read from OTLP/JSON', async () => {
      const exporter = new JsonTraceExporter({ url: rx.tracesUrl });
      const result = await exportSpans(exporter, runTrace());
      await exporter.shutdown();
      expect(result.code).toBe(ExportResultCode.SUCCESS);
      expectRunTrace(rx.spans(), 'json');
    });

    it('gzip from the exporter', async () => {
      const exporter = new ProtoTraceExporter({ url: rx.tracesUrl, compression: GZIP });
      const result = await exportSpans(exporter, runTrace());
      await exporter.shutdown();
      expect(result.code).toBe(ExportResultCode.SUCCESS);
      expect(rx.requests()[0]?.contentEncoding).toBe('gzip');
      expectRunTrace(rx.spans(), 'protobuf');
    });

    it('metrics: sums, gauges and histograms over protobuf and JSON', async () => {
      const start: HrTime = [1760000000, 0];
      const end: HrTime = [1760000060, 0];
      const metrics: ResourceMetrics = {
        resource: RESOURCE,
        scopeMetrics: [
          {
            scope: SCOPE,
            metrics: [
              {
                descriptor: { name: 'bridge.runs', description: 'Runs seen', unit: '{run}', valueType: ValueType.INT },
                aggregationTemporality: AggregationTemporality.CUMULATIVE,
                dataPointType: DataPointType.SUM,
                isMonotonic: true,
                dataPoints: [{ startTime: start, endTime: end, attributes: { 'openai.run.status': 'completed' }, value: 7 }],
              },
              {
                descriptor: { name: 'bridge.outbox.depth', description: '', unit: '{span}', valueType: ValueType.INT },
                aggregationTemporality: AggregationTemporality.CUMULATIVE,
                dataPointType: DataPointType.GAUGE,
                dataPoints: [{ startTime: start, endTime: end, attributes: {}, value: 3 }],
              },
              {
                descriptor: { name: 'gen_ai.client.operation.duration', description: '', unit: 's', valueType: ValueType.DOUBLE },
                aggregationTemporality: AggregationTemporality.DELTA,
                dataPointType: DataPointType.HISTOGRAM,
                dataPoints: [
                  {
                    startTime: start,
                    endTime: end,
                    attributes: { 'gen_ai.operation.name': 'chat' },
                    value: { buckets: { boundaries: [1, 5], counts: [2, 1, 0] }, count: 3, sum: 4.5, min: 0.5, max: 3 },
                  },
                ],
              },
            ],
          },
        ],
      };
      const proto = ProtobufMetricsSerializer.serializeRequest(metrics);
      const json = JsonMetricsSerializer.serializeRequest(metrics);
      if (!proto || !json) throw new Error('serializer returned nothing');
      expect((await post(rx.metricsUrl, Buffer.from(proto), { 'content-type': 'application/x-protobuf' })).status).toBe(200);
      expect((await post(rx.metricsUrl, Buffer.from(json), { 'content-type': 'application/json' })).status).toBe(200);

      for (const encoding of ['protobuf', 'json'] as const) {
        const received = rx.metrics().filter((m) => m.encoding === encoding);
        const resource = { 'service.name': 'openai-assistants', 'service.version': '0.1.0', 'deployment.environment.name': 'test' };
        const times = { startTimeUnixNano: '1760000000000000000', timeUnixNano: '1760000060000000000' };
        expect(received.map((m) => ({ name: m.name, unit: m.unit, type: m.type, resource: m.resource }))).toEqual([
          { name: 'bridge.runs', unit: '{run}', type: 'sum', resource },
          { name: 'bridge.outbox.depth', unit: '{span}', type: 'gauge', resource },
          { name: 'gen_ai.client.operation.duration', unit: 's', type: 'histogram', resource },
        ]);
        expect(received[0]).toMatchObject({
          aggregationTemporality: 2,
          isMonotonic: true,
          dataPoints: [{ ...times, attributes: { 'openai.run.status': 'completed' }, value: 7 }],
        });
        expect(received[1]?.dataPoints).toEqual([{ ...times, attributes: {}, value: 3 }]);
        expect(received[2]).toMatchObject({
          aggregationTemporality: 1,
          dataPoints: [
            {
              ...times,
              attributes: { 'gen_ai.operation.name': 'chat' },
              count: 3,
              sum: 4.5,
              min: 0.5,
              max: 3,
              bucketCounts: [2, 1, 0],
              explicitBounds: [1, 5],
            },
          ],
        });
      }
      expect(await rx.waitForMetric('bridge.runs', 1_000)).toHaveLength(2);
    });
  });

  describe('OTLP/JSON leniencies the spec allows', () => {
    it('accepts snake_case names, integers as numbers or strings, enum names, uppercase hex; keeps 64-bit values exact', async () => {
      const body = JSON.stringify({
        resource_spans: [
          {
            resource: { attributes: [{ key: 'service.name', value: { string_value: 'svc' } }] },
            scope_spans: [
              {
                spans: [
                  {
                    trace_id: TRACE_ID.toUpperCase(),
                    span_id: spanId(7),
                    parent_span_id: spanId(6),
                    name: 'chat',
                    kind: 'SPAN_KIND_CLIENT',
                    start_time_unix_nano: 'BIG',
                    end_time_unix_nano: '1760000000000000002',
                    attributes: [
                      { key: 'big', value: { int_value: '9007199254740993' } },
                      { key: 'small', value: { intValue: 5 } },
                      { key: 'whole.double', value: { doubleValue: 3 } },
                      { key: 'nested', value: { kvlistValue: { values: [{ key: 'a', value: { boolValue: true } }] } } },
                    ],
                    status: { code: 2, message: 'boom' },
                    unknown_field: 'ignored',
                  },
                ],
              },
            ],
          },
        ],
        // A bare JSON number beyond 2^53: JavaScript cannot even write it as a literal.
      }).replace('"BIG"', '1760000000000000001');
      expect((await postJson(rx, body)).status).toBe(200);
      const [span] = rx.spans();
      expect(span).toMatchObject({
        traceId: TRACE_ID,
        spanId: spanId(7),
        parentSpanId: spanId(6),
        kind: 3,
        startTimeUnixNano: '1760000000000000001',
        endTimeUnixNano: '1760000000000000002',
        attributes: { big: '9007199254740993', small: 5, 'whole.double': 3, nested: { a: true } },
        attributeTypes: { big: 'int', small: 'int', 'whole.double': 'double', nested: 'kvlist' },
        status: { code: 2, message: 'boom' },
        resource: { 'service.name': 'svc' },
      });
    });

    it('accepts a gzipped JSON body', async () => {
      const response = await post(rx.tracesUrl, gzipSync(namedSpans('zipped')), {
        'content-type': 'application/json',
        'content-encoding': 'gzip',
      });
      expect(response.status).toBe(200);
      expect(rx.spans().map((s) => s.name)).toEqual(['zipped']);
    });

    it('answers success with {} in JSON and an empty message in protobuf', async () => {
      const json = await postJson(rx, namedSpans('a'));
      expect(json.headers['content-type']).toBe('application/json');
      expect(JSON.parse(json.body.toString())).toEqual({});
      const body = ProtobufTraceSerializer.serializeRequest(runTrace());
      if (!body) throw new Error('serializer returned nothing');
      const proto = await post(rx.tracesUrl, Buffer.from(body), { 'content-type': 'application/x-protobuf' });
      expect(proto.status).toBe(200);
      expect(proto.headers['content-type']).toBe('application/x-protobuf');
      expect(proto.body).toHaveLength(0);
    });
  });

  describe('strictness: refuses the whole request with 400 and says why', () => {
    const zeros = (n: number): string => '0'.repeat(n);
    const cases: Array<[string, Record<string, unknown>, RegExp]> = [
      ['a 15-byte traceId', { traceId: TRACE_ID.slice(2) }, /traceId must be 16 bytes, got 15/],
      ['an all-zero traceId', { traceId: zeros(32) }, /traceId is all zeros/],
      ['a missing traceId', { traceId: undefined }, /traceId must be 16 bytes, got 0/],
      ['a 7-byte spanId', { spanId: 'b7ad6b71692033' }, /spanId must be 8 bytes, got 7/],
      ['an all-zero spanId', { spanId: zeros(16) }, /spanId is all zeros/],
      ['a 4-byte parentSpanId', { parentSpanId: 'b7ad6b71' }, /parentSpanId must be 8 bytes, got 4/],
      ['an end before the start', { endTimeUnixNano: '1759999999999999999' }, /endTimeUnixNano 1759999999999999999 is before/],
      ['a zero start time', { startTimeUnixNano: '0' }, /startTimeUnixNano is 0/],
      ['kind 6', { kind: 6 }, /kind 6 is outside 0\.\.5/],
      ['status code 3', { status: { code: 3 } }, /status\.code 3 is outside 0\.\.2/],
      ['an attribute with an empty key', { attributes: [{ key: '', value: { stringValue: 'x' } }] }, /attribute \[0\] has an empty key/],
      ['an attribute without a value', { attributes: [{ key: 'gen_ai.agent.id' }] }, /attribute "gen_ai.agent.id" has no value/],
      ['an attribute with an empty value', { attributes: [{ key: 'k', value: {} }] }, /attribute "k" has no value/],
      ['an empty name', { name: '' }, /name is empty/],
      ['a traceId that is not hex', { traceId: 'zz'.repeat(16) }, /expected a hex string/],
      ['a time that is not an integer', { startTimeUnixNano: '1.5e18' }, /expected an integer/],
    ];
    it.each(cases)('%s', async (_label, overrides, problem) => {
      const body = jsonRequest([jsonSpan({ name: 'fine', spanId: spanId(9) }), jsonSpan(overrides)]);
      const response = await postJson(rx, body);
      expect(response.status).toBe(400);
      expect(response.headers['content-type']).toBe('application/json');
      expect(errorOf(response)).toEqual({ code: 3, message: expect.stringMatching(problem) });
      expect(rx.spans()).toEqual([]);
      expect(rx.requests()).toMatchObject([{ status: 400, error: expect.stringMatching(problem), pending: false }]);
    });

    it('locates the offending span in the message', async () => {
      const response = await postJson(rx, jsonRequest([jsonSpan(), jsonSpan({ spanId: spanId(2), name: 'bad', kind: 9 })]));
      expect(errorOf(response).message).toBe('resourceSpans[0].scopeSpans[0].spans[1] (name "bad"): kind 9 is outside 0..5');
    });

    it('refuses invalid resource attributes too', async () => {
      const body = JSON.stringify({ resourceSpans: [{ resource: { attributes: [{ key: 'service.name' }] }, scopeSpans: [] }] });
      expect(errorOf(await postJson(rx, body)).message).toMatch(/resource: attribute "service.name" has no value/);
    });

    it('answers an undecodable protobuf body with a protobuf google.rpc.Status', async () => {
      const response = await post(rx.tracesUrl, Buffer.from([0x0a, 0xff, 0xff, 0x01]), { 'content-type': 'application/x-protobuf' });
      expect(response.status).toBe(400);
      expect(response.headers['content-type']).toBe('application/x-protobuf');
      const status = RpcStatus.toObject(RpcStatus.decode(response.body)) as { code: number; message: string };
      expect(status.code).toBe(3);
      expect(status.message).toMatch(/cannot decode protobuf/);
    });

    it('checks protobuf bodies the same way', async () => {
      const [run] = runTrace();
      // eslint-disable-next-line @typescript-eslint/no-unsafe-enum-assignment -- a kind outside the enum is what the receiver must refuse
      const body = ProtobufTraceSerializer.serializeRequest([{ ...run!, kind: 8 as SpanKind }]);
      if (!body) throw new Error('serializer returned nothing');
      const response = await post(rx.tracesUrl, Buffer.from(body), { 'content-type': 'application/x-protobuf' });
      expect(response.status).toBe(400);
      expect(RpcStatus.toObject(RpcStatus.decode(response.body))).toEqual({
        code: 3,
        message: 'resourceSpans[0].scopeSpans[0].spans[0] (name "invoke_agent Helper"): kind 9 is outside 0..5',
      });
    });

    it('answers malformed JSON with 400', async () => {
      const response = await postJson(rx, '{"resourceSpans": [');
      expect(response.status).toBe(400);
      expect(errorOf(response).message).toMatch(/cannot decode json/);
    });

    it('answers a body that is not gzip although it says so with 400', async () => {
      const response = await post(rx.tracesUrl, namedSpans('a'), { 'content-type': 'application/json', 'content-encoding': 'gzip' });
      expect(response.status).toBe(400);
      expect(errorOf(response).message).toMatch(/not valid gzip/);
    });

    it('answers a wrong content type with 415', async () => {
      const response = await post(rx.tracesUrl, namedSpans('a'), { 'content-type': 'text/plain' });
      expect(response.status).toBe(415);
      expect(errorOf(response).message).toMatch(/unsupported Content-Type "text\/plain"/);
      expect(rx.requests()).toMatchObject([{ status: 415, encoding: null }]);
    });

    it('answers other paths with 404', async () => {
      expect((await post(`${rx.url}/v1/logs`, '{}', { 'content-type': 'application/json' })).status).toBe(404);
    });
  });

  describe('records', () => {
    it('lists duplicates by traceId + spanId, with the requests they came in', async () => {
      await postJson(rx, namedSpans('a', 'b'));
      await postJson(rx, namedSpans('a'));
      expect(rx.duplicates()).toEqual([{ traceId: TRACE_ID, spanId: spanId(1), name: 'a', count: 2, requestIds: [0, 1] }]);
    });

    it('waitForSpans resolves once enough arrived, and says what arrived when it times out', async () => {
      const waiting = rx.waitForSpans(2, 5_000);
      await postJson(rx, namedSpans('a', 'b'));
      expect((await waiting).map((s) => s.name)).toEqual(['a', 'b']);
      await expect(rx.waitForSpans(5, 50)).rejects.toThrow(/waited 50 ms for 5 spans; 2 arrived\. Requests: 1 \(200 x1\)/);
    });

    it('reset() forgets spans and requests', async () => {
      await postJson(rx, namedSpans('a'));
      rx.reset();
      expect(rx.spans()).toEqual([]);
      expect(rx.requests()).toEqual([]);
      await postJson(rx, namedSpans('b'));
      expect(rx.spans()).toMatchObject([{ name: 'b', requestId: 0 }]);
    });
  });

  describe('faults', () => {
    it('503 with Retry-After for the next N requests, then normal service', async () => {
      rx.setFaults({ status: 503, retryAfterSeconds: 1, count: 2 });
      const first = await postJson(rx, namedSpans('a'));
      expect(first.status).toBe(503);
      expect(first.headers['retry-after']).toBe('1');
      expect(errorOf(first)).toEqual({ code: 14, message: 'fault injected: HTTP 503' });
      expect((await postJson(rx, namedSpans('a'))).status).toBe(503);
      expect((await postJson(rx, namedSpans('a'))).status).toBe(200);
      expect(rx.requests().map((r) => [r.status, r.faults])).toEqual([
        [503, ['status']],
        [503, ['status']],
        [200, []],
      ]);
      expect(rx.spans()).toHaveLength(1);
    });

    it('the real exporter honours Retry-After on 429 and gets through', async () => {
      rx.setFaults({ status: 429, retryAfterSeconds: 1, count: 1 });
      const exporter = new ProtoTraceExporter({ url: rx.tracesUrl });
      const started = Date.now();
      const result = await exportSpans(exporter, runTrace());
      await exporter.shutdown();
      expect(result.code).toBe(ExportResultCode.SUCCESS);
      expect(Date.now() - started).toBeGreaterThanOrEqual(900);
      expect(rx.requests().map((r) => r.status)).toEqual([429, 200]);
      expect(rx.spans()).toHaveLength(3);
    });

    it('500 and 400 until cleared, in the request encoding', async () => {
      rx.setFaults({ status: 500 });
      expect((await postJson(rx, namedSpans('a'))).status).toBe(500);
      expect((await postJson(rx, namedSpans('a'))).status).toBe(500);
      rx.setFaults({ status: 400 });
      const body = ProtobufTraceSerializer.serializeRequest(runTrace());
      if (!body) throw new Error('serializer returned nothing');
      const proto = await post(rx.tracesUrl, Buffer.from(body), { 'content-type': 'application/x-protobuf' });
      expect(proto.status).toBe(400);
      expect(RpcStatus.toObject(RpcStatus.decode(proto.body))).toEqual({ code: 3, message: 'fault injected: HTTP 400' });
      rx.clearFaults();
      expect((await postJson(rx, namedSpans('a'))).status).toBe(200);
      expect(rx.spans()).toHaveLength(1);
    });

    it('delays the answer', async () => {
      rx.setFaults({ delayMs: 300 });
      const started = Date.now();
      const response = await postJson(rx, namedSpans('slow'));
      expect(response.status).toBe(200);
      expect(Date.now() - started).toBeGreaterThanOrEqual(290);
      expect(rx.requests()[0]?.faults).toEqual(['delay']);
    });

    it('records nothing when the client timed out during the delay', async () => {
      rx.setFaults({ delayMs: 400 });
      await expect(postJson(rx, namedSpans('slow'), 50)).rejects.toThrow(/client timeout/);
      await rx.settled();
      expect(rx.requests()).toMatchObject([{ status: null, faults: ['delay'], error: 'the client went away during the delay' }]);
      expect(rx.spans()).toEqual([]);
    });

    it('resets the connection without answering', async () => {
      rx.setFaults({ reset: true, count: 1 });
      await expect(postJson(rx, namedSpans('a'))).rejects.toMatchObject({ code: 'ECONNRESET' });
      expect(rx.requests()).toMatchObject([{ status: null, faults: ['reset'] }]);
      expect((await postJson(rx, namedSpans('a'))).status).toBe(200);
      expect(rx.spans()).toHaveLength(1);
    });

    it('partial success over protobuf: reports and drops the last N spans', async () => {
      rx.setFaults({ partialSuccess: { rejectedSpans: 2, errorMessage: 'too old' } });
      const body = ProtobufTraceSerializer.serializeRequest(runTrace());
      if (!body) throw new Error('serializer returned nothing');
      const response = await post(rx.tracesUrl, Buffer.from(body), { 'content-type': 'application/x-protobuf' });
      expect(response.status).toBe(200);
      expect(response.headers['content-type']).toBe('application/x-protobuf');
      expect(ProtobufTraceSerializer.deserializeResponse(new Uint8Array(response.body))).toEqual({
        partialSuccess: { rejectedSpans: 2, errorMessage: 'too old' },
      });
      expect(rx.spans().map((s) => s.spanId)).toEqual([RUN_SPAN]);
      expect(rx.requests()).toMatchObject([{ status: 200, spanCount: 3, faults: ['partial-success'] }]);
    });

    it('partial success over JSON, and as the real exporter sees it', async () => {
      rx.setFaults({ partialSuccess: { rejectedSpans: 1 } });
      const response = await postJson(rx, namedSpans('a', 'b'));
      expect(JSON.parse(response.body.toString())).toEqual({
        partialSuccess: { rejectedSpans: '1', errorMessage: '1 spans rejected by the partialSuccess fault' },
      });
      const exporter = new JsonTraceExporter({ url: rx.tracesUrl });
      const result = await exportSpans(exporter, runTrace());
      await exporter.shutdown();
      expect(result.code).toBe(ExportResultCode.SUCCESS);
      expect(rx.spans().map((s) => s.name)).toEqual(['a', 'invoke_agent Helper', 'chat gpt-4o']);
    });

    it('refuses any batch holding a matching span, so the client must split it', async () => {
      rx.setFaults({ rejectSpansWhere: (span) => span.attributes['poison'] === true });
      const poison = jsonSpan({ spanId: spanId(2), name: 'bad', attributes: [{ key: 'poison', value: { boolValue: true } }] });
      const good = [jsonSpan({ spanId: spanId(1), name: 'good1' }), jsonSpan({ spanId: spanId(3), name: 'good3' })];

      const whole = await postJson(rx, jsonRequest([good[0]!, poison, good[1]!]));
      expect(whole.status).toBe(400);
      expect(errorOf(whole).message).toBe(`span "bad" (spanId ${spanId(2)}) refused by the rejectSpansWhere fault`);
      expect((await postJson(rx, jsonRequest([good[0]!]))).status).toBe(200);
      expect((await postJson(rx, jsonRequest([poison]))).status).toBe(400);
      expect((await postJson(rx, jsonRequest([good[1]!]))).status).toBe(200);
      expect(rx.spans().map((s) => s.name)).toEqual(['good1', 'good3']);
      expect(rx.requests().map((r) => r.faults)).toEqual([['reject-span'], [], ['reject-span'], []]);
    });

    it('counts a span predicate only when it matched', async () => {
      rx.setFaults({ rejectSpansWhere: (span) => span.name === 'bad', count: 1 });
      expect((await postJson(rx, namedSpans('good'))).status).toBe(200);
      expect((await postJson(rx, namedSpans('bad'))).status).toBe(400);
      expect((await postJson(rx, namedSpans('bad'))).status).toBe(200);
    });

    it('accepts then hangs: spans are recorded, no answer ever comes', async () => {
      rx.setFaults({ acceptThenHang: true });
      await expect(postJson(rx, namedSpans('acked-but-unseen'), 200)).rejects.toThrow(/client timeout/);
      expect(rx.spans().map((s) => s.name)).toEqual(['acked-but-unseen']);
      expect(rx.requests()).toMatchObject([{ status: null, faults: ['accept-then-hang'], pending: false }]);
    });

    it('leaves metrics alone unless asked', async () => {
      rx.setFaults({ status: 503 });
      expect((await post(rx.metricsUrl, '{}', { 'content-type': 'application/json' })).status).toBe(200);
      rx.setFaults({ status: 503, signal: 'all' });
      expect((await post(rx.metricsUrl, '{}', { 'content-type': 'application/json' })).status).toBe(503);
    });

    it('rejects nonsense fault settings', () => {
      expect(() => rx.setFaults({ status: 200 })).toThrow(/400\.\.599/);
      expect(() => rx.setFaults({ status: 503, count: 0 })).toThrow(/count/);
    });
  });

  it('down() refuses connections; up() listens again on the same port', async () => {
    const { url, port } = rx;
    await rx.down();
    await expect(postJson(rx, namedSpans('a'))).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    await rx.up();
    expect(rx.url).toBe(url);
    expect(rx.port).toBe(port);
    expect((await postJson(rx, namedSpans('a'))).status).toBe(200);
    expect(rx.spans()).toHaveLength(1);
  });

  it('down() also cuts a keep-alive connection an exporter holds', async () => {
    const exporter = new ProtoTraceExporter({ url: rx.tracesUrl, timeoutMillis: 2_000 });
    expect((await exportSpans(exporter, runTrace())).code).toBe(ExportResultCode.SUCCESS);
    await rx.down();
    expect((await exportSpans(exporter, runTrace())).code).toBe(ExportResultCode.FAILED);
    await rx.up();
    expect((await exportSpans(exporter, runTrace())).code).toBe(ExportResultCode.SUCCESS);
    await exporter.shutdown();
    expect(rx.spans()).toHaveLength(6);
  });
});

describe('OTLP/gRPC receiver', () => {
  it('decodes what the real gRPC exporter sends', async () => {
    const rx = await startOtlpGrpcReceiver();
    try {
      const exporter = new GrpcTraceExporter({ url: rx.url });
      const result = await exportSpans(exporter, runTrace());
      await exporter.shutdown();
      expect(result.code).toBe(ExportResultCode.SUCCESS);
      expectRunTrace(rx.spans(), 'protobuf');
      expect(rx.requests()).toMatchObject([
        { path: '/opentelemetry.proto.collector.trace.v1.TraceService/Export', status: 200, grpcCode: 0, spanCount: 3 },
      ]);
    } finally {
      await rx.close();
    }
  });

  it('maps status faults to gRPC codes, rejects invalid spans, and comes back up on the same port', async () => {
    const rx = await startOtlpGrpcReceiver();
    try {
      rx.setFaults({ status: 503, count: 1 });
      const unavailable = new GrpcTraceExporter({ url: rx.url, timeoutMillis: 2_000 });
      const first = await exportSpans(unavailable, runTrace());
      await unavailable.shutdown();
      expect(first.code).toBe(ExportResultCode.FAILED);
      expect(rx.requests()[0]).toMatchObject({ status: 503, grpcCode: 14, faults: ['status'] });

      const bad = readableSpan({
        spanId: '0000000000000000',
        name: 'bad',
        kind: SpanKind.CLIENT,
        start: [1760000000, 0],
        end: [1760000000, 0],
      });
      const invalid = new GrpcTraceExporter({ url: rx.url });
      expect((await exportSpans(invalid, [bad])).code).toBe(ExportResultCode.FAILED);
      await invalid.shutdown();
      expect(rx.requests().at(-1)).toMatchObject({ status: 400, grpcCode: 3, error: expect.stringMatching(/spanId is all zeros/) });

      rx.setFaults({ partialSuccess: { rejectedSpans: 1 } });
      await rx.down();
      await rx.up();
      const exporter = new GrpcTraceExporter({ url: rx.url });
      expect((await exportSpans(exporter, runTrace())).code).toBe(ExportResultCode.SUCCESS);
      await exporter.shutdown();
      expect(rx.spans().map((s) => s.spanId)).toEqual([RUN_SPAN, STEP_SPAN]);
      expect(() => rx.setFaults({ reset: true })).toThrow(/cannot reset/);
    } finally {
      await rx.close();
    }
  });

  it('sends RetryInfo with a throttling status, as a collector does', async () => {
    const rx = await startOtlpGrpcReceiver();
    const client = new grpc.Client(rx.address, grpc.credentials.createInsecure());
    try {
      rx.setFaults({ status: 429, retryAfterSeconds: 2 });
      const body = ProtobufTraceSerializer.serializeRequest(runTrace());
      if (!body) throw new Error('serializer returned nothing');
      const error = await new Promise<grpc.ServiceError | null>((resolve) => {
        const same = (bytes: Buffer): Buffer => bytes;
        client.makeUnaryRequest('/opentelemetry.proto.collector.trace.v1.TraceService/Export', same, same, Buffer.from(body), (err) =>
          resolve(err),
        );
      });
      expect(error?.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
      const [details] = error?.metadata.get('grpc-status-details-bin') ?? [];
      const status = RpcStatus.toObject(RpcStatus.decode(details as Buffer), { longs: String }) as {
        code: number;
        details: Array<{ typeUrl: string; value: Uint8Array }>;
      };
      expect(status.code).toBe(8);
      expect(status.details[0]?.typeUrl).toBe('type.googleapis.com/google.rpc.RetryInfo');
      expect(RetryInfo.toObject(RetryInfo.decode(status.details[0]!.value), { longs: String })).toEqual({
        retryDelay: { seconds: '2' },
      });
      expect(rx.spans()).toEqual([]);
    } finally {
      client.close();
      await rx.close();
    }
  });
});
