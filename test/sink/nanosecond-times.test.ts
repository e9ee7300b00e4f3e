// Sub-second times go through the whole export path unchanged: committed to a state file, read
// back by the drain, encoded, sent over the network and decoded by the strict receiver, to the
// last nanosecond (a JS number of nanoseconds would already have lost the last digits).
import nodePath from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULTS } from '../../src/config/defaults.js';
import type { OtlpProtocol } from '../../src/config/types.js';
import type { SpanRecord } from '../../src/core/span-record.js';
import type { SpanRecordExporter } from '../../src/sink/export-outcome.js';
import { OtlpGrpcExporter } from '../../src/sink/otlp-grpc-exporter.js';
import { OtlpHttpExporter } from '../../src/sink/otlp-http-exporter.js';
import { OutboxDrain } from '../../src/sink/outbox-drain.js';
import { assistantResource, BRIDGE_SCOPE } from '../../src/sink/resource.js';
import { openRunLedger, type RunLedger } from '../../src/sources/assistants/run-ledger.js';
import { span, tempDir } from '../state/helpers.js';
import { startOtlpGrpcReceiver, startOtlpReceiver, type ReceiverApi } from '../support/otlp-receiver/index.js';

const START = '1760000000123456789';
const END = '1760000001987654321';
const EVENT = '1760000000500000001';

let store: RunLedger | undefined;
let receiver: ReceiverApi | undefined;
afterEach(async () => {
  if (store && !store.closed) await store.shutdown();
  await receiver?.close();
  store = receiver = undefined;
});

async function exporterFor(protocol: OtlpProtocol): Promise<SpanRecordExporter> {
  const resource = assistantResource(DEFAULTS.resource);
  if (protocol === 'grpc') {
    const grpc = await startOtlpGrpcReceiver();
    receiver = grpc;
    return new OtlpGrpcExporter({ ...DEFAULTS.traces, protocol, endpoint: grpc.url, insecure: true }, resource, BRIDGE_SCOPE);
  }
  const http = await startOtlpReceiver();
  receiver = http;
  return new OtlpHttpExporter({ ...DEFAULTS.traces, protocol, endpoint: http.tracesUrl }, resource, BRIDGE_SCOPE);
}

describe('nanosecond times', () => {
  it.each<OtlpProtocol>(['http/protobuf', 'http/json', 'grpc'])(
    'reach the receiver unchanged over %s, through the outbox',
    async (protocol) => {
      store = openRunLedger(nodePath.join(tempDir(), 'state.sqlite'));
      store.trackRun('thread_1', 'run_1', 'cli');
      const timed: SpanRecord = {
        ...span('run_1', 1),
        start: START,
        end: END,
        events: [{ name: 'tool.output', time: EVENT, attributes: { 'x.at': { int: '9007199254740993' } } }],
      };
      store.commitProgress({ runId: 'run_1', spans: [timed] });
      const exporter = await exporterFor(protocol);
      const drain = new OutboxDrain(store, exporter, { batchSize: 10, log: pino({ level: 'silent' }) });
      drain.start();
      await drain.shutdown(10_000);
      await exporter.shutdown();

      const [received] = receiver?.spans() ?? [];
      expect(received).toMatchObject({
        spanId: timed.spanId,
        startTimeUnixNano: START,
        endTimeUnixNano: END,
        events: [{ name: 'tool.output', timeUnixNano: EVENT, attributes: { 'x.at': '9007199254740993' } }],
      });
      expect(receiver?.spans()).toHaveLength(1);
    },
  );
});
