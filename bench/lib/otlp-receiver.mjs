// A minimal, fast OTLP/HTTP protobuf trace receiver for the benchmark. It decodes only what it
// needs (each span's span_id, by walking the wire format), stamps every span with the wall
// time its request body finished arriving, and answers 200 with an empty
// ExportTraceServiceResponse. It runs in its own process (see receiver-process.mjs) so the
// simulator and the bench's bookkeeping never delay a receive time.
//
//   POST /v1/traces          OTLP/HTTP protobuf (gzip accepted)
//   GET  /_rx/stats          { requests, spans, unique, duplicates, bytes, firstAt, lastAt }
//   POST /_rx/reset          forget everything
//   POST /_rx/lookup         body: JSON array of span ids (hex) -> array of receive times (ms) or null
import { createServer } from 'node:http';
import { gunzipSync } from 'node:zlib';

function readVarint(buf, pos) {
  let result = 0;
  let shift = 0;
  for (;;) {
    const byte = buf[pos++];
    if (byte === undefined) throw new RangeError('truncated varint');
    // Lengths and tags fit in 2^53; multiply instead of shifting past 31 bits.
    result += (byte & 0x7f) * 2 ** shift;
    if (byte < 0x80) return [result, pos];
    shift += 7;
  }
}

function skip(buf, pos, wireType) {
  switch (wireType) {
    case 0:
      return readVarint(buf, pos)[1];
    case 1:
      return pos + 8;
    case 2: {
      const [len, p] = readVarint(buf, pos);
      return p + len;
    }
    case 5:
      return pos + 4;
    default:
      throw new RangeError(`unsupported wire type ${wireType}`);
  }
}

/** Calls `onField(fieldNumber, start, end)` for every length-delimited field of the message in [start, end). */
function eachLenField(buf, start, end, onField) {
  let pos = start;
  while (pos < end) {
    const [tag, p] = readVarint(buf, pos);
    const field = Math.floor(tag / 8);
    const wireType = tag & 7;
    if (wireType === 2) {
      const [len, q] = readVarint(buf, p);
      onField(field, q, q + len);
      pos = q + len;
    } else {
      pos = skip(buf, p, wireType);
    }
  }
}

/** Span ids (hex) of every span in an ExportTraceServiceRequest. */
export function spanIdsOf(buf) {
  const ids = [];
  // ExportTraceServiceRequest.resource_spans = 1 -> ResourceSpans.scope_spans = 2 -> ScopeSpans.spans = 2 -> Span.span_id = 2
  eachLenField(buf, 0, buf.length, (f1, s1, e1) => {
    if (f1 !== 1) return;
    eachLenField(buf, s1, e1, (f2, s2, e2) => {
      if (f2 !== 2) return;
      eachLenField(buf, s2, e2, (f3, s3, e3) => {
        if (f3 !== 2) return;
        let id = null;
        eachLenField(buf, s3, e3, (f4, s4, e4) => {
          if (f4 === 2) id = buf.toString('hex', s4, e4);
        });
        ids.push(id ?? '');
      });
    });
  });
  return ids;
}

export function startReceiver({ host = '127.0.0.1', port = 0 } = {}) {
  let state;
  const reset = () => {
    state = { requests: 0, spans: 0, duplicates: 0, bytes: 0, firstAt: null, lastAt: null, times: new Map() };
  };
  reset();

  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const at = Date.now();
      const body = Buffer.concat(chunks);
      const url = req.url ?? '/';
      try {
        if (req.method === 'POST' && url === '/v1/traces') {
          const raw = req.headers['content-encoding'] === 'gzip' ? gunzipSync(body) : body;
          const ids = spanIdsOf(raw);
          state.requests += 1;
          state.bytes += body.length;
          state.spans += ids.length;
          state.firstAt ??= at;
          state.lastAt = at;
          for (const id of ids) {
            if (state.times.has(id)) state.duplicates += 1;
            else state.times.set(id, at);
          }
          res.writeHead(200, { 'content-type': 'application/x-protobuf', 'content-length': '0' });
          return res.end();
        }
        if (req.method === 'GET' && url === '/_rx/stats') {
          const { requests, spans, duplicates, bytes, firstAt, lastAt } = state;
          return json(res, { requests, spans, unique: state.times.size, duplicates, bytes, firstAt, lastAt });
        }
        if (req.method === 'POST' && url === '/_rx/reset') {
          reset();
          return json(res, { ok: true });
        }
        if (req.method === 'POST' && url === '/_rx/lookup') {
          const wanted = JSON.parse(body.toString('utf8'));
          return json(
            res,
            wanted.map((id) => state.times.get(id) ?? null),
          );
        }
        res.writeHead(404).end();
      } catch (error) {
        res.writeHead(400, { 'content-type': 'text/plain' }).end(String(error));
      }
    });
  });
  server.keepAliveTimeout = 30_000;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      const { port: p } = server.address();
      resolve({
        url: `http://${host}:${p}`,
        close: () =>
          new Promise((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}

function json(res, value) {
  const text = JSON.stringify(value);
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
