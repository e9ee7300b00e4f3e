// The responses source's metrics scraped by a real Prometheus (Debian's package) from a running
// `watch --provider azure-foundry --foundry-agent ...` against the simulator's Foundry dialect:
// responses by status and error code add up to the simulator's truth, every responses query of
// the Grafana dashboard finds data, and the alert rules about responses load and evaluate; and
// from `watch --provider openai` taking the simulator's webhooks, every webhook intake query finds data.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  DEFAULT_WEBHOOK_SECRET,
  startSimulator,
  type DeliveryRecord,
  type ResponsesTruth,
  type RunningSimulator,
} from '../../src/simulator/index.js';
import { freePort, startCli, waitFor, type CliProcess } from '../support/cli.js';
import { listenAddressOf, scrape, total } from '../support/metrics-scrape.js';
import { startOtlpReceiver, type OtlpReceiver } from '../support/otlp-receiver/index.js';
import { expectDashboardQueriesFindData, expectRulesHealthy } from '../support/prometheus-checks.js';
import { startPrometheus, type RunningPrometheus } from '../support/prometheus-server.js';
import { ALERTS_FILE, isResponsesQuery, isWebhookQuery } from '../support/promql-names.js';

let sim: RunningSimulator | undefined;
let rx: OtlpReceiver | undefined;
let bridge: CliProcess | undefined;
let prom: RunningPrometheus | undefined;

afterEach(async () => {
  bridge?.child.kill('SIGKILL');
  await prom?.close();
  await sim?.shutdown();
  await rx?.close();
  bridge = sim = rx = prom = undefined;
});

const FOLLOWED = ['support-triage', 'research-scout'];

async function responsesTruth(s: RunningSimulator): Promise<ResponsesTruth> {
  return (await (await fetch(`${s.origin}/_sim/responses/truth`)).json()) as ResponsesTruth;
}

describe('responses metrics, scraped by a real Prometheus', () => {
  it('counts responses by status and error code as the world has them, and every responses panel finds data', async () => {
    sim = await startSimulator({
      dialect: 'azure-foundry',
      seed: 51,
      clock: { speed: 1 },
      world: { threads: 1, backfillRuns: 0, liveRuns: 0 },
      responses: { world: { backfillResponses: 0, liveResponses: 0 } },
    });
    rx = await startOtlpReceiver();
    const s = sim;
    const since = (await responsesTruth(s)).now - 1;
    bridge = startCli(
      [
        'watch',
        '--provider',
        'azure-foundry',
        '--auth',
        'bearer-env',
        ...FOLLOWED.flatMap((a) => ['--foundry-agent', a]),
        '--since',
        String(since),
        '--state',
        join(mkdtempSync(join(tmpdir(), 'aob-responses-prom-')), 'state.sqlite'),
        '--listen',
        '127.0.0.1:0',
        '--log-format',
        'json',
        '--active-interval',
        '200',
        '--rpm',
        '3000',
      ],
      {
        AZURE_AI_PROJECT_ENDPOINT: s.url,
        ASSISTANTS_OTEL_BRIDGE_API_TOKEN: s.apiKey,
        OTEL_EXPORTER_OTLP_ENDPOINT: rx.url,
        OTEL_METRICS_EXPORTER: 'none',
      },
    );
    const address = await listenAddressOf(bridge);
    prom = await startPrometheus(address, [ALERTS_FILE]);

    // News while the bridge watches: responses of each agent that complete, fail and are cancelled.
    const kinds = ['message', 'failed', 'web_search', 'cancelled'];
    const started: string[] = [];
    for (const agent of FOLLOWED) {
      for (const kind of kinds) {
        const response = await fetch(`${s.origin}/_sim/responses`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ kind, agent }),
        });
        const body = (await response.json()) as { response_id?: string };
        expect(response.status, JSON.stringify(body)).toBe(200);
        started.push(body.response_id!);
      }
    }

    // Until every response ended and the bridge counted them all.
    let truth = await responsesTruth(s);
    await waitFor(
      async () => {
        truth = await responsesTruth(s);
        if (!started.every((id) => truth.responses.find((r) => r.id === id)?.finished)) return false;
        const samples = await scrape(address);
        return total(samples, 'openai_responses_total') === started.length && total(samples, 'assistants_bridge_outbox_depth') === 0;
      },
      'every response ended and counted',
      90_000,
    );
    const seen = await prom.scrapes();
    await waitFor(async () => (await prom!.scrapes()) >= seen + 3, 'three more scrapes', 20_000);

    const news = truth.responses.filter((r) => started.includes(r.id));
    const want: Record<string, number> = {};
    for (const r of news) want[r.expectedStatus] = (want[r.expectedStatus] ?? 0) + 1;
    expect(Object.keys(want)).toEqual(expect.arrayContaining(['completed', 'failed', 'cancelled']));
    const byStatus = Object.fromEntries(
      (await prom.query('sum by (openai_response_status) (openai_responses_total)')).map((x) => [x.metric.openai_response_status, x.value]),
    );
    expect(byStatus).toEqual(want);
    // The failed ones: news (not history), under their agent and error code.
    for (const r of news.filter((n) => n.expectedStatus === 'failed')) {
      const code = ((r.response as { error?: { code?: string } }).error ?? {}).code;
      expect(code).toBeTruthy();
      expect(
        await prom.scalar(
          `sum(openai_responses_total{openai_response_status="failed",error_type="${code}",gen_ai_agent_name="${r.agent!.name}",assistants_bridge_history="false"})`,
        ),
      ).toBeGreaterThanOrEqual(1);
    }

    // Every responses query of the dashboard finds data.
    expect(await expectDashboardQueriesFindData(prom, isResponsesQuery)).toBeGreaterThanOrEqual(6);
    // The rules load and evaluate, those about responses included.
    await expectRulesHealthy(prom, [
      'openai_responses:responses:increase10m',
      'openai_responses:failure_ratio:ratio30m',
      'ResponsesFailed',
      'ResponseFailureRatioRising',
    ]);
  }, 180_000);
  it("shows the webhook intake of a watch taking the simulator's webhooks: every webhook intake panel finds data", async () => {
    const port = await freePort();
    sim = await startSimulator({
      dialect: 'openai',
      seed: 52,
      clock: { speed: 1 },
      world: { threads: 1, backfillRuns: 0, liveRuns: 0 },
      responses: {
        world: { backfillResponses: 0, liveResponses: 8, liveWindowSeconds: 6 },
        webhooks: {
          url: `http://127.0.0.1:${port}/v1/webhooks/openai`,
          secret: DEFAULT_WEBHOOK_SECRET,
          retry: { delaysMs: [300, 500, 1_000] },
        },
      },
    });
    rx = await startOtlpReceiver();
    const s = sim;
    bridge = startCli(
      [
        'watch',
        '--provider',
        'openai',
        '--webhook-listen',
        `127.0.0.1:${port}`,
        '--listen',
        '127.0.0.1:0',
        '--state',
        join(mkdtempSync(join(tmpdir(), 'aob-webhooks-prom-')), 'state.sqlite'),
        '--log-format',
        'json',
        '--active-interval',
        '200',
        '--rpm',
        '3000',
      ],
      {
        OPENAI_API_KEY: s.apiKey,
        OPENAI_BASE_URL: s.url,
        OTEL_EXPORTER_OTLP_ENDPOINT: rx.url,
        OTEL_METRICS_EXPORTER: 'none',
        OPENAI_WEBHOOK_SECRET: DEFAULT_WEBHOOK_SECRET,
      },
    );
    const address = await listenAddressOf(bridge);
    prom = await startPrometheus(address, [ALERTS_FILE]);
    const deliveries = async (): Promise<DeliveryRecord[]> =>
      ((await (await fetch(`${s.origin}/_sim/webhooks`)).json()) as { deliveries: DeliveryRecord[] }).deliveries;
    await waitFor(async () => (await responsesTruth(s)).allFinished, 'every live response to end', 60_000);
    await waitFor(
      async () => {
        const signed = (await deliveries()).filter((d) => d.mode === 'signed' && d.status !== null && d.status < 300);
        return (
          signed.length > 0 &&
          total(await scrape(address), 'assistants_bridge_webhooks_handled_total', { outcome: 'accepted' }) >= signed.length
        );
      },
      'the announced responses accepted',
      30_000,
    );
    // A forged delivery: refused for its signature.
    const any = (await deliveries()).find((d) => d.mode === 'signed')!;
    const forged = await fetch(`${s.origin}/_sim/webhooks/send`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ responseId: any.responseId, mode: 'forged' }),
    });
    expect(((await forged.json()) as DeliveryRecord).status).toBe(400);
    const seen = await prom.scrapes();
    await waitFor(async () => (await prom!.scrapes()) >= seen + 3, 'three more scrapes', 20_000);

    expect(await prom.scalar('sum(assistants_bridge_webhooks_rejected_total{reason="bad_signature"})')).toBe(1);
    expect(await expectDashboardQueriesFindData(prom, isWebhookQuery)).toBeGreaterThanOrEqual(5);
  }, 120_000);
});
