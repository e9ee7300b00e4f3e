// The webhook intake of `watch --provider openai --webhook-listen`: (a) the lag from the
// simulator's webhook delivery (its dispatcher announcing background responses as they end, signed
// with its test secret) to the response's root span at the receiver, at the bridge's defaults;
// (b) the intake under a sustained load of signed deliveries the bench sends itself, for
// responses that exist in the simulator: nothing lost, nothing traced twice, and the bridge's RSS.
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { DEFAULTS } from '../../dist/config/defaults.js';
import { DEFAULT_WEBHOOK_SECRET } from '../../dist/simulator/index.js';
import { signature } from '../../dist/simulator/responses/webhooks/signing.js';
import { responseSpanId } from '../../dist/sources/responses/ids.js';
import { controlUrl, exitWithin, startBridge, tempDir } from '../lib/bridge.mjs';
import { sampleProcess } from '../lib/proc-stats.mjs';
import { startSim } from '../lib/sim.mjs';
import { max, percentile, sleep } from '../lib/stats.mjs';
import { checkExit, truthOf } from './responses.mjs';

const ROUTE = '/v1/webhooks/openai';

async function freePort() {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const startOpenAiSim = (seed, world) =>
  startSim({ seed, clock: { speed: 1 }, dialect: 'openai', world: { threads: 1, backfillRuns: 0, liveRuns: 0 }, responses: { world } });

function webhookArgs(dir, port, listen, extra) {
  return [
    'watch',
    '--provider',
    'openai',
    '--webhook-listen',
    `127.0.0.1:${port}`,
    '--listen',
    listen,
    '--state',
    `${dir}/state.sqlite`,
    '--log-format',
    'json',
    ...extra,
  ];
}

const webhookEnv = (sim, receiverUrl) => ({
  OPENAI_API_KEY: sim.apiKey,
  OPENAI_BASE_URL: sim.url,
  OTEL_EXPORTER_OTLP_ENDPOINT: receiverUrl,
  OPENAI_WEBHOOK_SECRET: DEFAULT_WEBHOOK_SECRET,
});

/** Resolves once the intake answers (an unsigned request gets 400); throws when the bridge exits first. */
async function intakeUp(bridge, port, what) {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (bridge.child.exitCode !== null) {
      const exit = await bridge.exited;
      throw new Error(`${what}: the bridge exited ${exit.code} before taking webhooks: ${exit.stderr.trim().slice(-500)}`);
    }
    try {
      const res = await fetch(`http://127.0.0.1:${port}${ROUTE}`, {
        method: 'POST',
        body: '{}',
        headers: { 'content-type': 'application/json' },
      });
      if (res.status === 400) return;
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  throw new Error(`${what}: the webhook intake did not answer within 60 s`);
}

/**
 * (a) Background responses ending over `windowSeconds`, announced by the simulator's dispatcher to
 * a bridge at its defaults: from the send of the delivery the bridge answered 2xx to the root span
 * at the receiver.
 */
export async function runWebhooksLag({ rx, seed, responses, windowSeconds, settleSeconds }) {
  const { sim } = await startOpenAiSim(seed, { backfillResponses: 0, liveResponses: responses, liveWindowSeconds: windowSeconds });
  try {
    await rx.reset();
    const port = await freePort();
    const dir = tempDir('webhooks-lag');
    const bridge = startBridge(webhookArgs(dir, port, 'off', ['--log-level', 'warn']), webhookEnv(sim, rx.url));
    await intakeUp(bridge, port, 'webhooks lag');
    // The dispatcher announces what ends from now on, to the bridge that is listening.
    const configured = await fetch(`${sim.origin}/_sim/webhooks`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ url: `http://127.0.0.1:${port}${ROUTE}` }),
    });
    if (!configured.ok) throw new Error(`POST /_sim/webhooks: ${configured.status} ${await configured.text()}`);
    const configuredAt = Date.now();
    await Promise.race([sleep(windowSeconds * 1000), bridge.exited]);
    const deadline = Date.now() + settleSeconds * 1000;
    let answered = [];
    let times = [];
    for (;;) {
      const truth = await truthOf(sim);
      const deliveries = sim.responses.webhooks.deliveries().filter((d) => d.mode === 'signed');
      // Each announced response by its delivery that got 2xx (a retry's send when the first failed).
      const ok = new Map();
      for (const d of deliveries) if (d.status !== null && d.status < 300 && !ok.has(d.responseId)) ok.set(d.responseId, d);
      answered = [...ok.values()];
      times = await rx.lookup(answered.map((d) => responseSpanId(d.responseId)));
      const pending = sim.responses.webhooks.pending();
      if ((truth.allFinished && pending === 0 && times.every((t) => t !== null)) || Date.now() > deadline || bridge.child.exitCode !== null)
        break;
      await sleep(500);
    }
    const deliveries = sim.responses.webhooks.deliveries().filter((d) => d.mode === 'signed');
    bridge.child.kill('SIGTERM');
    const exit = await exitWithin(bridge, 30_000, 'webhooks lag');
    checkExit(exit, 'webhooks lag');
    const lags = answered.map((d, i) => (times[i] === null ? null : times[i] - d.sentAt)).filter((v) => v !== null);
    const stats = await rx.stats();
    return {
      announced: new Set(deliveries.map((d) => d.responseId)).size,
      answered: answered.length,
      attempts: deliveries.length,
      failedAttempts: deliveries.filter((d) => d.status === null || d.status >= 300).length,
      missing: times.filter((t) => t === null).length,
      duplicates: stats.duplicates,
      windowSeconds,
      observedSeconds: (Date.now() - configuredAt) / 1000,
      rpm: DEFAULTS.watch.rpm,
      exitCode: exit.code,
      stderrTail: exit.code === 0 ? '' : exit.stderr.slice(-1500),
      lag: { n: lags.length, p50: percentile(lags, 50), p95: percentile(lags, 95), max: max(lags) },
    };
  } finally {
    await sim.shutdown();
  }
}

/** A delivery of `response.{status}` for one response, signed as OpenAI signs it, sent now. */
function signedDelivery(r, secret) {
  const webhookId = `wh_${randomBytes(16).toString('hex')}`;
  const timestamp = Math.floor(Date.now() / 1000);
  const body = JSON.stringify({
    id: `evt_${randomBytes(16).toString('hex')}`,
    object: 'event',
    created_at: r.endAt,
    type: `response.${r.expectedStatus}`,
    data: { id: r.id },
  });
  return {
    body,
    headers: {
      'content-type': 'application/json',
      'user-agent': 'OpenAI/1.0 (+https://platform.openai.com/docs/webhooks)',
      'webhook-id': webhookId,
      'webhook-timestamp': String(timestamp),
      'webhook-signature': signature(secret, webhookId, timestamp, body),
    },
  };
}

/** Sums the samples of `name` in a Prometheus text exposition whose labels include `match`. */
function scraped(text, name, match = '') {
  let total = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (match && !line.includes(match)) continue;
    total += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return total;
}

/**
 * (b) `rate` signed deliveries a second for `seconds`, one per finished response of the
 * simulator's world, each retried after a second until it gets 2xx (as a sender retries): every
 * one answered, tracked and traced once; the answer times and the bridge's RSS meanwhile.
 */
export async function runWebhooksIntake({ rx, seed, rate, seconds, settleSeconds, rpm }) {
  const n = Math.round(rate * seconds);
  // Backfilled responses end before the start; some are deleted (a retrieve answers 404): more than needed.
  const { sim } = await startOpenAiSim(seed, { backfillResponses: Math.ceil(n * 1.25) + 20, liveResponses: 0 });
  try {
    const truth = await truthOf(sim);
    const chosen = truth.responses.filter((r) => r.finished && !r.deleted).slice(0, n);
    if (chosen.length < n) throw new Error(`webhooks intake: the world holds ${chosen.length} finished responses, ${n} needed`);
    await rx.reset();
    const port = await freePort();
    const dir = tempDir('webhooks-intake');
    // Retrieves go through the request budget; a generous one, so tracing keeps up and the intake is what is measured.
    const bridge = startBridge(
      webhookArgs(dir, port, '127.0.0.1:0', ['--log-level', 'info', '--rpm', String(rpm)]),
      webhookEnv(sim, rx.url),
    );
    const control = await controlUrl(bridge, 60_000);
    await intakeUp(bridge, port, 'webhooks intake');
    const sampler = sampleProcess(bridge.pid, 500);
    const url = `http://127.0.0.1:${port}${ROUTE}`;
    const answers = [];
    let retries = 0;
    let refused = 0;
    const deliver = async (r) => {
      for (let attempt = 1; ; attempt++) {
        const { body, headers } = signedDelivery(r, DEFAULT_WEBHOOK_SECRET);
        const sent = Date.now();
        let status = null;
        try {
          const res = await fetch(url, { method: 'POST', body, headers });
          status = res.status;
          await res.arrayBuffer();
        } catch {
          // No answer (a refused or reset connection): retried like any other failure.
        }
        if (status !== null && status >= 200 && status < 300) {
          answers.push(Date.now() - sent);
          return;
        }
        if (status === 400) refused += 1;
        if (attempt >= 20) throw new Error(`webhooks intake: ${r.id} got ${status} 20 times`);
        retries += 1;
        await sleep(1000);
      }
    };
    const started = Date.now();
    const work = [];
    for (let i = 0; i < n; i++) {
      const due = started + (i * 1000) / rate;
      const wait = due - Date.now();
      if (wait > 0) await sleep(wait);
      work.push(deliver(chosen[i]));
    }
    const sendSeconds = (Date.now() - started) / 1000;
    await Promise.all(work);
    const answeredAt = Date.now();
    const ids = chosen.map((r) => responseSpanId(r.id));
    const deadline = Date.now() + settleSeconds * 1000;
    let times = await rx.lookup(ids);
    while (times.some((t) => t === null) && Date.now() < deadline && bridge.child.exitCode === null) {
      await sleep(1000);
      times = await rx.lookup(ids);
    }
    const tracedAt = Date.now();
    const samples = sampler.stop();
    const metrics = await (await fetch(`${control}/metrics`)).text();
    bridge.child.kill('SIGTERM');
    const exit = await exitWithin(bridge, 60_000, 'webhooks intake');
    checkExit(exit, 'webhooks intake');
    const stats = await rx.stats();
    const rss = samples.map((s) => s.rssBytes);
    return {
      deliveries: n,
      rpm,
      rate,
      seconds,
      sendSeconds,
      achievedRate: n / sendSeconds,
      retries,
      refused,
      answer: { p50: percentile(answers, 50), p95: percentile(answers, 95), max: max(answers) },
      accepted: scraped(metrics, 'assistants_bridge_webhooks_handled_total', 'outcome="accepted"'),
      received: scraped(metrics, 'assistants_bridge_webhooks_received_total'),
      rejected: scraped(metrics, 'assistants_bridge_webhooks_rejected_total'),
      traced: times.filter((t) => t !== null).length,
      missing: times.filter((t) => t === null).length,
      duplicates: stats.duplicates,
      spansReceived: stats.unique,
      traceAllMs: times.some((t) => t === null) ? null : Math.max(...times) - started,
      afterLastAnswerMs: tracedAt - answeredAt,
      rssMaxBytes: max(rss),
      rssEndBytes: rss.at(-1) ?? null,
      rssStartBytes: rss[0] ?? null,
      exitCode: exit.code,
      stderrTail: exit.code === 0 ? '' : exit.stderr.slice(-1500),
    };
  } finally {
    await sim.shutdown();
  }
}
