// Start-up cost: @grpc/grpc-js (about 60 ms to load) is loaded only by a command that exports
// over gRPC. A probe preloaded into the CLI reports, as the process exits, whether it was.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { startOtlpGrpcReceiver, startOtlpReceiver } from '../support/otlp-receiver/index.js';

const SAMPLE = join(import.meta.dirname, '../../samples/runs.json');

describe('modules loaded on demand', () => {
  const dir = mkdtempSync(join(tmpdir(), 'aob-lazy-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const probe = join(dir, 'probe.mjs');
  writeFileSync(
    probe,
    "import { createRequire } from 'node:module';\n" +
      "process.on('exit', () => process.stderr.write(`grpc-js loaded: ${Object.keys(createRequire(import.meta.url).cache).some((k) => k.includes('@grpc/grpc-js'))}\\n`));\n",
  );

  async function importLoadsGrpc(protocol: string, url: string): Promise<boolean> {
    const result = await runCli(['import', SAMPLE], {
      NODE_OPTIONS: `--import=${probe}`,
      OTEL_EXPORTER_OTLP_ENDPOINT: url,
      OTEL_EXPORTER_OTLP_PROTOCOL: protocol,
    });
    expect(result.code, result.stderr).toBe(0);
    const line = /grpc-js loaded: (true|false)/.exec(result.stderr);
    expect(line, result.stderr).not.toBeNull();
    return line?.[1] === 'true';
  }

  it('exporting over HTTP never loads @grpc/grpc-js; exporting over gRPC does', async () => {
    const http = await startOtlpReceiver();
    const grpc = await startOtlpGrpcReceiver();
    try {
      expect(await importLoadsGrpc('http/protobuf', http.url)).toBe(false);
      expect(await importLoadsGrpc('http/json', http.url)).toBe(false);
      expect(await importLoadsGrpc('grpc', grpc.url)).toBe(true);
      expect(grpc.spans().length).toBeGreaterThan(0);
    } finally {
      await http.close();
      await grpc.close();
    }
  });
});
