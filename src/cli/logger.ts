// Structured logs on stderr (stdout is for spans printed by the console exporter and for
// command output). JSON when not on a terminal or with --log-format json; a readable line on a TTY.
import { Writable } from 'node:stream';
import { pino, type Logger } from 'pino';
import type { LogConfig } from '../config/types.js';

export type { Logger };

/** Field names whose values are secrets wherever they appear in a log record. */
const REDACT = [
  'apiKey',
  'api_key',
  'authorization',
  'Authorization',
  'headers',
  '*.apiKey',
  '*.headers',
  '*.authorization',
  'token',
  '*.token',
  'controlToken',
  '*.controlToken',
];

const LEVEL_NAMES: Record<number, string> = { 10: 'trace', 20: 'debug', 30: 'info', 40: 'warn', 50: 'error', 60: 'fatal' };

function prettyStream(out: NodeJS.WritableStream): Writable {
  return new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (!line) continue;
        try {
          const { level, time, msg, pid: _pid, hostname: _host, name: _name, ...rest } = JSON.parse(line) as Record<string, unknown>;
          const extras = Object.entries(rest)
            .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
            .join(' ');
          const stamp = new Date(Number(time)).toISOString().slice(11, 19);
          const text = msg ?? '';
          out.write(
            `${stamp} ${(LEVEL_NAMES[Number(level)] ?? 'log').padEnd(5)} ${typeof text === 'string' ? text : JSON.stringify(text)}${extras ? `  ${extras}` : ''}\n`,
          );
        } catch {
          out.write(`${line}\n`);
        }
      }
      done();
    },
  });
}

export function createLogger(config: LogConfig, stream: NodeJS.WritableStream & { isTTY?: boolean } = process.stderr): Logger {
  const pretty = config.format === 'pretty' || (config.format === 'auto' && stream.isTTY === true);
  const destination = pretty ? prettyStream(stream) : stream;
  return pino(
    {
      name: 'assistants-otel-bridge',
      level: config.level,
      redact: { paths: REDACT, censor: '[redacted]' },
      base: { pid: process.pid },
    },
    destination,
  );
}
