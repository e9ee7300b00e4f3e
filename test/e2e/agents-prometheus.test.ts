// The agents source's metrics scraped by a real Prometheus (Debian's package) from a running
// `watch --agent-session`: root turns by status and the traces that never appeared add up to the
// simulator's truth, every Agents API query of the Grafana dashboard finds data, and the alert
// rules about agent turns load and evaluate.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunningSimulator } from '../../src/simulator/index.js';
import { agentsTruth, finishedWorld, readable, roots, TRACE_WAIT_SECONDS, watchArgs } from '../support/agents-world.js';
import { startCli, waitFor, type CliProcess } from '../support/cli.js';
import { listenAddressOf, scrape, total } from '../support/metrics-scrape.js';
import { startOtlpReceiver, type OtlpReceiver } from '../support/otlp-receiver/index.js';
import { expectDashboardQueriesFindData, expectRulesHealthy } from '../support/prometheus-checks.js';
import { startPrometheus, type RunningPrometheus } from '../support/prometheus-server.js';
import { ALERTS_FILE, isAgentsQuery } from '../support/promql-names.js';

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

describe('agents metrics, scraped by a real Prometheus', () => {
  it('counts root turns by status and the traces that never appeared as the world has them, and every agents panel finds data', async () => {
    const world = await finishedWorld(41);
    sim = world.sim;
    rx = await startOtlpReceiver();
    const s = sim;
    bridge = startCli(
      watchArgs(world.sessions, join(mkdtempSync(join(tmpdir(), 'aob-agents-prom-')), 'state.sqlite'), ['--listen', '127.0.0.1:0']),
      {
        OPENAI_API_KEY: s.apiKey,
        OPENAI_BASE_URL: s.url,
        OTEL_EXPORTER_OTLP_ENDPOINT: rx.url,
        OTEL_METRICS_EXPORTER: 'none',
      },
    );
    const address = await listenAddressOf(bridge);
    prom = await startPrometheus(address, [ALERTS_FILE]);

    // News while the bridge watches: a failed turn, one whose trace is never published, one that goes well.
    const kinds = ['failed', 'never_published', 'tools'];
    const started: string[] = [];
    for (const [i, sessionId] of world.sessions.entries()) {
      const response = await fetch(`${s.origin}/_sim/agents/turns`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ sessionId, kind: kinds[i % kinds.length], publishDelaySeconds: 1 }),
      });
      const body = (await response.json()) as { turn_id?: string };
      expect(response.status, JSON.stringify(body)).toBe(200);
      started.push(body.turn_id!);
    }

    // Until every turn settled and the bridge counted them all.
    let truth = await agentsTruth(s);
    await waitFor(
      async () => {
        truth = await agentsTruth(s);
        const all = roots(truth);
        if (!all.every((t) => t.finished && truth.now > (t.turn.completed_at as number) + TRACE_WAIT_SECONDS + 1)) return false;
        const samples = await scrape(address);
        return (
          total(samples, 'openai_agents_turns_total') === all.length &&
          total(samples, 'openai_agents_traces_missing_total') === all.filter((t) => !readable(t, world.truth.now)).length &&
          total(samples, 'assistants_bridge_outbox_depth') === 0
        );
      },
      'every turn settled and counted',
      90_000,
    );
    const seen = await prom.scrapes();
    await waitFor(async () => (await prom!.scrapes()) >= seen + 3, 'three more scrapes', 20_000);

    const all = roots(truth);
    const news = all.filter((t) => started.includes(t.turnId));
    expect(news.map((t) => t.turn.status)).toEqual(expect.arrayContaining(['failed', 'completed']));
    const byStatus = Object.fromEntries(
      (await prom.query('sum by (openai_agents_turn_status) (openai_agents_turns_total)')).map((x) => [
        x.metric.openai_agents_turn_status,
        x.value,
      ]),
    );
    const want: Record<string, number> = {};
    for (const t of all) want[t.turn.status as string] = (want[t.turn.status as string] ?? 0) + 1;
    expect(byStatus).toEqual(want);
    // The news turns: counted as news (not history), the failed one under its error code.
    const failed = news.find((t) => t.turn.status === 'failed')!;
    const code = (failed.turn.error as { code: string }).code;
    expect(
      await prom.scalar(
        `sum(openai_agents_turns_total{openai_agents_turn_status="failed",error_type="${code}",assistants_bridge_history="false"})`,
      ),
    ).toBeGreaterThanOrEqual(1);
    // The turn whose trace was never published is news; so may be some of the world's recent past.
    expect(
      await prom.scalar(
        'sum(openai_agents_traces_missing_total{assistants_bridge_trace_unavailable="not_published",assistants_bridge_history="false"})',
      ),
    ).toBeGreaterThanOrEqual(news.filter((t) => !readable(t)).length);
    expect(await prom.scalar('sum(openai_agents_traces_missing_total)')).toBe(all.filter((t) => !readable(t, world.truth.now)).length);

    // Every Agents API query of the dashboard finds data.
    expect(await expectDashboardQueriesFindData(prom, isAgentsQuery)).toBeGreaterThanOrEqual(8);
    // The rules load and evaluate, those about agent turns included.
    await expectRulesHealthy(prom, [
      'openai_agents:turns:increase10m',
      'openai_agents:turn_failure_ratio:ratio30m',
      'AgentTurnsFailed',
      'AgentTracesMissing',
    ]);
  }, 180_000);
});
