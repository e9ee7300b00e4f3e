// The webhook intake as a watch wires it, over real HTTP in front of a real state file: on the
// listen address beside /metrics and the control routes (the signature its only authentication),
// or with --webhook-listen on a server of its own that serves nothing else; its secrets read
// before the state is locked, its counts on /metrics, and a stop that waits for deliveries under
// way before the state file closes. The handler is the test's own: the seam's consumer.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/cli/logger.js';
import { capturedLog } from '../support/captured-log.js';
import { settingFlag } from '../../src/cli/options.js';
import { webhookSecretsBeforeStart, wireWebhooks, type WebhookSettings, type WebhookWiring } from '../../src/cli/webhook-wiring.js';
import { ConfigError } from '../../src/config/config-error.js';
import { BridgeError } from '../../src/core/errors.js';
import { Lifecycle, type Part } from '../../src/core/lifecycle.js';
import { ControlServer } from '../../src/control/server.js';
import { BridgeMetrics } from '../../src/metrics/bridge-metrics.js';
import { DEFAULTS } from '../../src/config/defaults.js';
import { openStateStore, type StateStore } from '../../src/state/store.js';
import { WebhookSecrets } from '../../src/webhooks/secrets.js';
import { call, errorOf, waitUntil } from '../control/helpers.js';
import { configErrorOf } from '../config/helpers.js';
import { deliver, eventBody, OTHER_SECRET, PREVIOUS_SECRET, SECRET, TrackingHandler } from '../webhooks/helpers.js';

const FLAG = 'the command line';
const onListen: WebhookSettings = { listen: '127.0.0.1:0' };
const alone: WebhookSettings = {
  listen: '127.0.0.1:0',
  webhookListen: { value: '127.0.0.1:0', field: '--webhook-listen', source: FLAG },
};

function secretFile(text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'aob-webhook-secret-')), 'secret');
  writeFileSync(path, text);
  return path;
}

interface Bridge {
  state: StateStore;
  handler: TrackingHandler;
  wiring: WebhookWiring;
  control: ControlServer;
  /** Where deliveries go: the webhook server with --webhook-listen, else the control server. */
  webhooks: { url: string };
  logText: () => string;
  lifecycle: Lifecycle;
}

let bridge: Bridge | undefined;
afterEach(async () => {
  await bridge?.lifecycle.shutdown(2_000);
  bridge = undefined;
});

/** The parts a watch wires for webhooks, in its order: the state, the metrics, the intake, the control server, the webhook server. */
async function startBridge(settings: WebhookSettings, token: string | null = null): Promise<Bridge> {
  const { log, text: logText } = capturedLog();
  const state = openStateStore(':memory:');
  const handler = new TrackingHandler(state);
  const secrets = new WebhookSecrets([SECRET, PREVIOUS_SECRET]);
  const wiring = wireWebhooks({ handlers: [handler], secrets, settings, ledger: state.webhookLedger, log });
  if (!wiring) throw new Error('a handler was registered: the intake must be wired');
  const metrics = new BridgeMetrics({ config: DEFAULTS, otlp: null, state });
  metrics.attach({ webhooks: wiring.intake });
  const control = new ControlServer({
    listen: settings.listen ?? '127.0.0.1:0',
    routes: wiring.listenRoutes,
    state,
    log,
    token,
    readiness: () => ({ ready: true }),
    metricsHandler: metrics.metricsHandler,
  });
  const lifecycle = new Lifecycle([
    { name: 'state store', part: state },
    { name: 'metrics', part: metrics },
    wiring.stages.intake,
    { name: 'control server', part: control, waitUntilDone: true },
    ...(wiring.stages.server ? [wiring.stages.server] : []),
  ]);
  bridge = { state, handler, wiring, control, webhooks: control, logText, lifecycle };
  await lifecycle.start();
  bridge.webhooks = wiring.server ?? control;
  return bridge;
}

const tracked = (b: Bridge): string[] => b.state.listUnits('responses', 'response').map((u) => u.id);
const scrape = async (b: Bridge): Promise<string> => (await call(b.control.url, '/metrics')).text;

describe('the webhook routes on the listen address', () => {
  it('track a signed delivery once, refuse forged, stale and oversized ones, drop unclaimed ones, and count it all on /metrics', async () => {
    const b = await startBridge(onListen);
    const now = Math.floor(Date.now() / 1000);

    const forged = await deliver(b.webhooks, { secret: OTHER_SECRET, responseId: 'resp_forged' });
    expect([forged.status, errorOf(forged).message]).toEqual([400, 'the signature does not match the configured webhook secret']);
    const stale = await deliver(b.webhooks, { timestamp: Math.floor(Date.now() / 1000) - 400, responseId: 'resp_stale' });
    expect(stale.status).toBe(400);
    expect(errorOf(stale).message).toMatch(/^the webhook-timestamp is 40\d s old \(tolerance 300 s\)$/);
    const huge = await deliver(b.webhooks, { body: JSON.stringify({ type: 'response.completed', pad: 'x'.repeat(1024 * 1024) }) });
    expect(huge.status).toBe(413);
    const unclaimed = await deliver(b.webhooks, { type: 'batch.completed' });
    expect([unclaimed.status, unclaimed.json]).toEqual([200, { status: 'ignored' }]);
    expect(b.handler.calls).toHaveLength(0);
    expect(tracked(b)).toEqual([]);

    const first = await deliver(b.webhooks, { webhookId: 'wh_1', responseId: 'resp_1' });
    expect([first.status, first.json]).toEqual([200, { status: 'accepted' }]);
    const again = await deliver(b.webhooks, { webhookId: 'wh_1', responseId: 'resp_1' });
    expect([again.status, again.json]).toEqual([200, { status: 'replayed' }]);
    // Signed with the previous secret during a rotation: accepted too.
    const rotated = await deliver(b.webhooks, { webhookId: 'wh_2', responseId: 'resp_2', secret: PREVIOUS_SECRET });
    expect(rotated.status).toBe(200);
    expect(b.handler.calls.map((c) => c.webhookId)).toEqual(['wh_1', 'wh_2']);
    expect(tracked(b).sort()).toEqual(['resp_1', 'resp_2']);

    const text = await scrape(b);
    const series = (name: string): string[] => text.split('\n').filter((l) => l.startsWith(name));
    expect(series('assistants_bridge_webhooks_received_total')).toEqual(['assistants_bridge_webhooks_received_total 7']);
    expect(series('assistants_bridge_webhooks_verified_total')).toEqual(['assistants_bridge_webhooks_verified_total 4']);
    expect(series('assistants_bridge_webhooks_rejected_total').sort()).toEqual([
      'assistants_bridge_webhooks_rejected_total{reason="bad_signature"} 1',
      'assistants_bridge_webhooks_rejected_total{reason="malformed"} 0',
      'assistants_bridge_webhooks_rejected_total{reason="stale"} 1',
      'assistants_bridge_webhooks_rejected_total{reason="too_large"} 1',
    ]);
    expect(series('assistants_bridge_webhooks_handled_total').sort()).toEqual([
      'assistants_bridge_webhooks_handled_total{outcome="accepted"} 2',
      'assistants_bridge_webhooks_handled_total{outcome="error"} 0',
      'assistants_bridge_webhooks_handled_total{outcome="in_flight_duplicate"} 0',
      'assistants_bridge_webhooks_handled_total{outcome="replayed"} 1',
      'assistants_bridge_webhooks_handled_total{outcome="unclaimed"} 1',
    ]);
    const [lastVerified] = series('assistants_bridge_webhooks_last_verified_time');
    expect(Number(lastVerified?.split(' ')[1])).toBeGreaterThanOrEqual(now);
    expect(b.logText()).not.toContain(SECRET.slice('whsec_'.length));
  });

  it('answers 2xx only once the handler accepted', async () => {
    const b = await startBridge(onListen);
    let open: () => void = () => undefined;
    b.handler.gate = new Promise<void>((resolve) => (open = resolve));
    let answered = false;
    const pending = deliver(b.webhooks, { webhookId: 'wh_gate', responseId: 'resp_gate' }).then((a) => {
      answered = true;
      return a;
    });
    await waitUntil(() => b.handler.calls.length === 1, 'the handler to be called');
    // While accept is under way, a copy is told to retry and the first is not answered.
    const copy = await deliver(b.webhooks, { webhookId: 'wh_gate', responseId: 'resp_gate' });
    expect(copy.status).toBe(409);
    expect(answered).toBe(false);
    expect(tracked(b)).toEqual([]);
    open();
    expect((await pending).status).toBe(200);
    expect(tracked(b)).toEqual(['resp_gate']);
    expect(b.handler.calls).toHaveLength(1);
  });

  it('need the signature, not the control token, while the control routes do', async () => {
    const b = await startBridge(onListen, 'control-token-1');
    expect((await deliver(b.webhooks, { responseId: 'resp_t' })).status).toBe(200);
    expect((await call(b.control.url, '/v1/webhooks/openai', { method: 'GET' })).status).toBe(405);
    expect((await call(b.control.url, '/v1/webhooks/elsewhere', { method: 'POST', body: '{}' })).status).toBe(404);
    expect((await call(b.control.url, '/healthz')).status).toBe(200);
  });
});

describe('--webhook-listen', () => {
  it('serves the webhook routes alone, and the listen address no longer serves them', async () => {
    const b = await startBridge(alone);
    expect(b.wiring.server).not.toBeNull();
    expect(b.webhooks.url).not.toBe(b.control.url);
    expect((await deliver(b.webhooks, { responseId: 'resp_alone' })).status).toBe(200);
    expect(tracked(b)).toEqual(['resp_alone']);
    for (const path of ['/metrics', '/healthz', '/readyz', '/v1/runs']) expect((await call(b.webhooks.url, path)).status, path).toBe(404);
    // The listen address keeps metrics and health, without the webhook routes.
    expect((await deliver(b.control, { responseId: 'resp_other' })).status).toBe(404);
    expect((await call(b.control.url, '/healthz')).status).toBe(200);
    expect(await scrape(b)).toContain('assistants_bridge_webhooks_handled_total{outcome="accepted"} 1');
  });

  it('an address in use is a ListenError naming the flag', async () => {
    const first = await startBridge(alone);
    const taken = first.wiring.server?.address ?? '';
    const log = createLogger({ level: 'silent', format: 'json' });
    const state = openStateStore(':memory:');
    const wiring = wireWebhooks({
      handlers: [new TrackingHandler(state)],
      secrets: new WebhookSecrets([SECRET]),
      settings: { listen: null, webhookListen: { value: taken, field: '--webhook-listen', source: FLAG } },
      ledger: state.webhookLedger,
      log,
    });
    const error = await wiring?.server?.start().then(
      () => null,
      (e: unknown) => e,
    );
    await state.shutdown();
    expect(error).toBeInstanceOf(BridgeError);
    expect((error as BridgeError).lineFor(settingFlag)).toBe(
      `--webhook-listen ${taken}: address already in use; choose another with --webhook-listen`,
    );
  });
});

describe('stopping', () => {
  it('waits for a delivery under way, once the servers closed, before the state file closes', async () => {
    const b = await startBridge(onListen);
    const order: string[] = [];
    let open: () => void = () => undefined;
    b.handler.gate = new Promise<void>((resolve) => (open = resolve)).then(() => void order.push('accept resumed'));
    const pending = deliver(b.webhooks, { webhookId: 'wh_stop', responseId: 'resp_stop' }).catch(() => null);
    await waitUntil(() => b.handler.calls.length === 1, 'the handler to be called');
    // The accept outlives the control server (whose grace for open requests then ends): the intake still waits for it.
    const control: Part = b.control;
    const closeControl = control.shutdown.bind(control);
    control.shutdown = async (budgetMs) => {
      await closeControl(budgetMs);
      order.push('control server closed');
      open();
    };
    const state: Part = b.state;
    const closeState = state.shutdown.bind(state);
    state.shutdown = (budgetMs) => {
      order.push('state closed');
      return closeState(budgetMs);
    };
    await b.lifecycle.shutdown(10_000);
    await pending;
    expect(order).toEqual(['control server closed', 'accept resumed', 'state closed']);
    expect(b.handler.done).toBe(1);
    expect(b.wiring.intake.counts()).toMatchObject({ accepted: 1, errors: 0 });
  });
});

describe('without a handler', () => {
  it('starts no intake', () => {
    const state = openStateStore(':memory:');
    const log = createLogger({ level: 'silent', format: 'json' });
    const wired = wireWebhooks({ handlers: [], secrets: null, settings: onListen, ledger: state.webhookLedger, log });
    void state.shutdown();
    expect(wired).toBeNull();
  });

  it.each([
    ['--webhook-listen', { webhookListen: { value: '0.0.0.0:8443', field: '--webhook-listen', source: FLAG } }],
    [
      'watch.webhook_secret_file',
      { webhookSecretFile: { value: '/run/secret', field: 'watch.webhook_secret_file', source: 'bridge.yaml' } },
    ],
  ] as const)('refuses %s: no source takes webhooks', (field, given) => {
    const settings: WebhookSettings = { listen: '127.0.0.1:9464', ...given };
    const error = configErrorOf(() => webhookSecretsBeforeStart(settings, false, {}));
    expect(error.field).toBe(field);
    expect(error.message).toMatch(/: no source takes webhooks in this configuration; drop it \(from /);
    const state = openStateStore(':memory:');
    const log = createLogger({ level: 'silent', format: 'json' });
    expect(() => wireWebhooks({ handlers: [], secrets: null, settings, ledger: state.webhookLedger, log })).toThrow(error.message);
    void state.shutdown();
  });

  it('does not read the environment when no source can take webhooks', () => {
    expect(webhookSecretsBeforeStart(onListen, false, { OPENAI_WEBHOOK_SECRET: 'whsec_!!' })).toBeNull();
  });
});

describe('the secrets, before the state is locked', () => {
  const env = { OPENAI_WEBHOOK_SECRET: SECRET };

  it('come from the environment, the previous one beside the current one', () => {
    const secrets = webhookSecretsBeforeStart(onListen, true, { ...env, OPENAI_WEBHOOK_SECRET_PREVIOUS: PREVIOUS_SECRET });
    expect(secrets?.values()).toEqual([SECRET, PREVIOUS_SECRET]);
    expect(webhookSecretsBeforeStart(onListen, true, {})).toBeNull();
  });

  it('come from a file given as a flag over the environment, and from the environment over the config file', () => {
    const path = secretFile(`${OTHER_SECRET}\n`);
    const flag: WebhookSettings = { ...onListen, webhookSecretFile: { value: path, field: '--webhook-secret-file', source: FLAG } };
    expect(webhookSecretsBeforeStart(flag, true, env)?.values()).toEqual([OTHER_SECRET]);
    const file: WebhookSettings = { ...onListen, webhookSecretFile: { value: path, field: 'watch.webhook_secret_file', source: 'b.yaml' } };
    expect(webhookSecretsBeforeStart(file, true, env)?.values()).toEqual([SECRET]);
    expect(webhookSecretsBeforeStart(file, true, {})?.values()).toEqual([OTHER_SECRET]);
  });

  it('a missing or malformed one is a ConfigError naming the setting, never the value', () => {
    const missing = configErrorOf(() =>
      webhookSecretsBeforeStart(
        { ...onListen, webhookSecretFile: { value: '/nonexistent/secret', field: '--webhook-secret-file', source: FLAG } },
        true,
        {},
      ),
    );
    expect(missing.message).toBe(
      '--webhook-secret-file: cannot read the webhook secret file /nonexistent/secret (ENOENT) (from the command line)',
    );
    const bad = 'whsec_not*base64';
    const malformed = configErrorOf(() => webhookSecretsBeforeStart(onListen, true, { OPENAI_WEBHOOK_SECRET: bad }));
    expect(malformed.field).toBe('OPENAI_WEBHOOK_SECRET');
    expect(malformed.message).not.toContain('not*base64');
  });
});

describe('with a handler and nothing asking for webhooks', () => {
  it('starts no intake: no secret and no --webhook-listen leave the watch as it was', () => {
    const s = openStateStore(':memory:');
    const wiring = wireWebhooks({
      handlers: [new TrackingHandler(s)],
      secrets: null,
      settings: onListen,
      ledger: s.webhookLedger,
      log: createLogger({ level: 'silent', format: 'json' }),
    });
    void s.shutdown();
    expect(wiring).toBeNull();
  });
});

describe('with a handler, refused', () => {
  const state = (): StateStore => openStateStore(':memory:');
  const log = createLogger({ level: 'silent', format: 'json' });

  it('with --webhook-listen and no secret: OPENAI_WEBHOOK_SECRET or a secret file is needed', () => {
    const s = state();
    const error = configErrorOf(() =>
      wireWebhooks({ handlers: [new TrackingHandler(s)], secrets: null, settings: alone, ledger: s.webhookLedger, log }),
    );
    void s.shutdown();
    expect(error.message).toBe(
      'OPENAI_WEBHOOK_SECRET: must be set, or a secret file given (--webhook-secret-file, watch.webhook_secret_file), to verify the webhooks on /v1/webhooks/openai',
    );
  });

  it('with --listen off and no --webhook-listen: nothing would serve the route', () => {
    const s = state();
    const error = configErrorOf(() =>
      wireWebhooks({
        handlers: [new TrackingHandler(s)],
        secrets: new WebhookSecrets([SECRET]),
        settings: { listen: null },
        ledger: s.webhookLedger,
        log,
      }),
    );
    void s.shutdown();
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toMatch(/^--listen: is off, so nothing would serve the webhooks on \/v1\/webhooks\/openai/);
  });
});

it('uses the replay ledger of the state file: a delivery sent again is not accepted twice', async () => {
  const b = await startBridge(onListen);
  const body = eventBody('response.completed', 'resp_l');
  expect((await deliver(b.webhooks, { webhookId: 'wh_l', body })).status).toBe(200);
  expect(b.state.webhookLedger.seen('openai:wh_l')).toBe(true);
});
