// An OTLP/HTTP protobuf trace receiver for the soak that misbehaves on request: it answers 503
// with Retry-After to a share of requests, and it can go down, either refusing connections (the
// port closed) or resetting them. It records span ids only (see otlp-receiver.mjs): what arrived,
// how often, so the soak can count received, unique and duplicated spans.
import { createServer } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { spanIdsOf } from './otlp-receiver.mjs';
import { prng } from './draws.mjs';

export async function startFaultyReceiver({ seed = 7 } = {}) {
  const draw = prng(seed);
  /** span id -> times received */
  const seen = new Map();
  const stats = { requests: 0, accepted: 0, answered503: 0, resets: 0, spansAccepted: 0, duplicates: 0 };
  let faults = { status503Probability: 0, retryAfterSeconds: 1 };
  /** 'up' | 'reset' (connections reset) | 'refuse' (port closed) */
  let mode = 'up';

  const server = createServer((req, res) => {
    stats.requests += 1;
    if (mode === 'reset') {
      stats.resets += 1;
      req.socket.destroy();
      return;
    }
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      if (req.method !== 'POST' || req.url !== '/v1/traces') {
        // Metrics exports and anything else: acknowledged, not counted.
        res.writeHead(req.method === 'POST' ? 200 : 404, { 'content-length': '0' }).end();
        return;
      }
      if (draw() < faults.status503Probability) {
        stats.answered503 += 1;
        res.writeHead(503, { 'retry-after': String(faults.retryAfterSeconds), 'content-length': '0' }).end();
        return;
      }
      let ids;
      try {
        const body = Buffer.concat(chunks);
        ids = spanIdsOf(req.headers['content-encoding'] === 'gzip' ? gunzipSync(body) : body);
      } catch (error) {
        res.writeHead(400, { 'content-type': 'text/plain' }).end(String(error));
        return;
      }
      stats.accepted += 1;
      stats.spansAccepted += ids.length;
      for (const id of ids) {
        const n = seen.get(id) ?? 0;
        if (n > 0) stats.duplicates += 1;
        seen.set(id, n + 1);
      }
      res.writeHead(200, { 'content-type': 'application/x-protobuf', 'content-length': '0' }).end();
    });
  });
  server.keepAliveTimeout = 30_000;

  const listen = (port) =>
    new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve(server.address().port);
      });
    });
  const port = await listen(0);

  return {
    url: `http://127.0.0.1:${port}`,
    mode: () => mode,
    setFaults(next) {
      faults = { ...faults, ...next };
    },
    async down(how) {
      if (mode !== 'up') throw new Error(`receiver already down (${mode})`);
      mode = how;
      if (how === 'refuse') {
        await new Promise((r) => {
          server.close(() => r());
          server.closeAllConnections();
        });
      } else {
        server.closeAllConnections();
      }
    },
    async up() {
      if (mode === 'refuse') await listen(port);
      mode = 'up';
    },
    stats: () => ({ ...stats, unique: seen.size, duplicatedSpans: [...seen.values()].filter((n) => n > 1).length }),
    has: (id) => seen.has(id),
    ids: () => seen.keys(),
    close: () =>
      new Promise((r) => {
        if (!server.listening) return r();
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}
