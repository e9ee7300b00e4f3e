// A real logger (debug, JSON lines) whose output the test reads back.
import { Writable } from 'node:stream';
import type { Logger } from 'pino';
import { createLogger } from '../../src/cli/logger.js';

export function capturedLog(): { log: Logger; text: () => string } {
  let logged = '';
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      logged += chunk.toString('utf8');
      done();
    },
  });
  return { log: createLogger({ level: 'debug', format: 'json' }, sink), text: () => logged };
}
