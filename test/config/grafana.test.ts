// config/grafana and config/prometheus against what the bridge really exports: the files parse,
// the dashboard uses the provisioned datasources, and every metric a dashboard query or an
// alert rule names is one the bridge exports (src/metrics/catalog.ts, which the e2e test
// test/e2e/prometheus.test.ts holds to a real scrape).
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { exportedSeriesNames } from '../support/metric-names.js';
import {
  allPanels,
  CONFIG_DIR,
  dashboardQueries,
  isResponsesQuery,
  isWebhookQuery,
  metricNamesIn,
  readDashboard,
  ruleExpressions,
} from '../support/promql-names.js';

/** Series Prometheus itself adds to every scrape. */
const SCRAPE_SERIES = new Set(['up']);
const exported = exportedSeriesNames('scrape');

describe('metricNamesIn', () => {
  it('finds the selected metrics and nothing else', () => {
    expect(
      metricNamesIn(
        'histogram_quantile(0.95, sum by (le) (rate(gen_ai_client_operation_duration_bucket{job=~"$job",le!="x"}[$__rate_interval])))',
      ),
    ).toEqual(['gen_ai_client_operation_duration_bucket']);
    expect(
      metricNamesIn('time() - max(a_time) > 300 and on (job, instance) (sum by (job) (b) + c offset 10m) > 0 or vector(0)').sort(),
    ).toEqual(['a_time', 'b', 'c']);
    expect(metricNamesIn('x:y:rate30m > 1.5 * z unless w == bool 1e3')).toEqual(['x:y:rate30m', 'z', 'w']);
  });
});

describe('config/grafana', () => {
  const datasources = parse(readFileSync(`${CONFIG_DIR}grafana/provisioning/datasources/datasources.yml`, 'utf8')) as {
    apiVersion: number;
    datasources: { name: string; uid: string; type: string; url: string }[];
  };

  it('provisions Prometheus, Tempo and Jaeger, and the dashboards folder', () => {
    expect(datasources.apiVersion).toBe(1);
    expect(datasources.datasources.map((d) => d.type).sort()).toEqual(['jaeger', 'prometheus', 'tempo']);
    for (const d of datasources.datasources) expect(d.url).toMatch(/^http:\/\//);
    const providers = parse(readFileSync(`${CONFIG_DIR}grafana/provisioning/dashboards/dashboards.yml`, 'utf8')) as {
      providers: { type: string; options: { path: string } }[];
    };
    expect(providers.providers[0]?.type).toBe('file');
    expect(providers.providers[0]?.options.path).toBeTruthy();
  });

  it('every dashboard file is JSON with a uid, and every panel uses a provisioned datasource', () => {
    const files = readdirSync(`${CONFIG_DIR}grafana/dashboards`).filter((f) => f.endsWith('.json'));
    expect(files).toContain('assistants.json');
    const uids = new Map(datasources.datasources.map((d) => [d.uid, d.type]));
    for (const file of files) {
      const dashboard = JSON.parse(readFileSync(`${CONFIG_DIR}grafana/dashboards/${file}`, 'utf8')) as { uid: string; description: string };
      expect(dashboard.uid).toBeTruthy();
      // It says which metric-name path it is written for.
      expect(dashboard.description).toMatch(/Metric-name path/);
      for (const panel of allPanels(readDashboard(`${CONFIG_DIR}grafana/dashboards/${file}`))) {
        for (const ds of [panel.datasource, ...(panel.targets ?? []).map((t) => t.datasource)]) {
          if (!ds) continue;
          expect(uids.get(ds.uid ?? ''), `${panel.title}: datasource ${ds.uid}`).toBe(ds.type);
        }
      }
    }
  });

  it('shows tokens, runs and steps by agent name and status, model latency, tools, queue time, history, failures and the bridge health', () => {
    const queries = dashboardQueries(readDashboard());
    const has = (pattern: RegExp): boolean => queries.some((q) => pattern.test(q.expr));
    expect(has(/by \(gen_ai_agent_name, gen_ai_agent_id, gen_ai_request_model[^)]*\) \(rate\(gen_ai_client_token_usage_sum/)).toBe(true);
    expect(has(/by \(openai_run_status\) \(rate\(assistants_runs_total/)).toBe(true);
    expect(has(/by \(openai_run_step_status, openai_run_step_type\) \(rate\(assistants_steps_total/)).toBe(true);
    expect(
      has(/histogram_quantile\(0\.95, sum by \(le\) \(rate\(gen_ai_client_operation_duration_bucket\{[^}]*gen_ai_operation_name="chat"/),
    ).toBe(true);
    expect(
      has(
        /by \(gen_ai_tool_name, gen_ai_tool_type\) \(rate\(gen_ai_client_operation_duration_count\{[^}]*gen_ai_operation_name="execute_tool"/,
      ),
    ).toBe(true);
    expect(
      has(
        /sum by \(gen_ai_tool_name\) \(rate\(gen_ai_client_operation_duration_count\{[^}]*error_type!=""[^}]*\}\[30m\]\)\) \/ sum by \(gen_ai_tool_name\)/,
      ),
    ).toBe(true);
    expect(has(/histogram_quantile\(0\.95, sum by \(le, gen_ai_request_model\) \(rate\(assistants_run_queue_duration_bucket/)).toBe(true);
    expect(has(/assistants_runs_total\{[^}]*assistants_bridge_history="true"/)).toBe(true);
    expect(has(/openai_run_step_status=~"failed\|expired"/)).toBe(true);
    for (const health of [
      'up',
      'assistants_bridge_poll_last_success_time',
      'assistants_bridge_export_last_success_time',
      'assistants_bridge_outbox_depth',
      'assistants_bridge_dead_letters',
      'assistants_bridge_api_throttles_total',
      'assistants_bridge_export_lag_bucket',
    ]) {
      expect(
        queries.some((q) => metricNamesIn(q.expr).includes(health)),
        health,
      ).toBe(true);
    }
  });

  it('has a Responses row: tokens by agent and model, response duration, responses by status, failures by error code and their ratio', () => {
    const dashboard = readDashboard();
    const rows = dashboard.panels.filter((p) => (p as { type?: string }).type === 'row').map((p) => p.title);
    expect(rows).toEqual(expect.arrayContaining(['Responses', 'Webhook intake']));
    const queries = dashboardQueries(dashboard).filter(isResponsesQuery);
    const has = (pattern: RegExp): boolean => queries.some((q) => pattern.test(q.expr));
    expect(
      has(
        /by \(gen_ai_agent_name, gen_ai_agent_id, gen_ai_request_model, gen_ai_token_type\) \(rate\(gen_ai_client_token_usage_sum\{[^}]*\}\[\$__rate_interval\]\) and on \([^)]*\) group by \([^)]*\) \(openai_responses_total/,
      ),
    ).toBe(true);
    expect(has(/histogram_quantile\(0\.95, sum by \(le\) \(rate\(openai_response_duration_bucket/)).toBe(true);
    expect(has(/sum by \(openai_response_status\) \(rate\(openai_responses_total/)).toBe(true);
    expect(has(/by \([^)]*error_type\) \(increase\(openai_responses_total\{[^}]*openai_response_status="failed"/)).toBe(true);
    expect(has(/openai_response_status="failed"\}\[30m\]\)\) \/ sum by/)).toBe(true);
    expect(queries.length).toBeGreaterThanOrEqual(6);
  });

  it('has a Webhook intake row: received, verified, rejected by reason, handled by outcome, and the time since the last verified delivery', () => {
    const queries = dashboardQueries(readDashboard()).filter(isWebhookQuery);
    const has = (pattern: RegExp): boolean => queries.some((q) => pattern.test(q.expr));
    expect(has(/rate\(assistants_bridge_webhooks_received_total/)).toBe(true);
    expect(has(/rate\(assistants_bridge_webhooks_verified_total/)).toBe(true);
    expect(has(/sum by \(reason\) \(increase\(assistants_bridge_webhooks_rejected_total/)).toBe(true);
    expect(has(/sum by \(outcome\) \(rate\(assistants_bridge_webhooks_handled_total/)).toBe(true);
    expect(has(/^time\(\) - max\(assistants_bridge_webhooks_last_verified_time/)).toBe(true);
  });

  it('shows agents by name as well as id, and lets one pick agents by name', () => {
    const dashboard = readDashboard();
    const byAgent = allPanels(dashboard)
      .flatMap((p) => (p.targets ?? []) as { expr?: string; legendFormat?: string }[])
      .filter((t) => t.expr && /by \([^)]*gen_ai_agent_id/.test(t.expr));
    expect(byAgent.length).toBeGreaterThanOrEqual(4);
    for (const t of byAgent) {
      expect(t.expr, t.expr).toMatch(/by \([^)]*gen_ai_agent_name/);
      if (t.legendFormat) expect(t.legendFormat).toContain('{{gen_ai_agent_name}}');
    }
    const agent = dashboard.templating.list.find((v) => v.name === 'agent');
    expect(agent?.definition).toBe('label_values(assistants_runs_total{job=~"$job"}, gen_ai_agent_name)');
    for (const q of dashboardQueries(dashboard))
      if (/gen_ai_agent_/.test(q.expr) && q.expr.includes('$agent')) expect(q.expr).toContain('gen_ai_agent_name=~"$agent"');
  });

  it('keeps history out of every rate and percentile of run totals, and model latency to chat durations', () => {
    const runTotals =
      /\b(?:assistants_(?:runs|steps)_total|openai_responses_total|openai_response_duration_\w+|gen_ai_client_token_usage_\w+|gen_ai_client_operation_duration_\w+|assistants_run_(?:queue_)?duration_\w+)\{(?<selector>[^}]*)\}/g;
    let checked = 0;
    for (const panel of allPanels(readDashboard())) {
      for (const t of (panel.targets ?? []) as { expr?: string }[]) {
        for (const m of (t.expr ?? '').matchAll(runTotals)) {
          checked += 1;
          const selector = m.groups?.selector ?? '';
          // News only; or the history panels; or the totals table, which splits by history.
          const ok =
            selector.includes('assistants_bridge_history!="true"') ||
            selector.includes('assistants_bridge_history="true"') ||
            /by \([^)]*assistants_bridge_history/.test(t.expr ?? '');
          expect(ok, `${panel.title}: ${t.expr}`).toBe(true);
          if (/latency/i.test(panel.title ?? '')) expect(selector, `${panel.title}`).toContain('gen_ai_operation_name="chat"');
        }
      }
    }
    expect(checked).toBeGreaterThan(25);
  });

  it('every metric a dashboard query names is one the bridge exports', () => {
    const queries = dashboardQueries(readDashboard());
    expect(queries.length).toBeGreaterThan(20);
    for (const q of queries) {
      const names = metricNamesIn(q.expr);
      expect(names.length, `${q.panel}: ${q.expr}`).toBeGreaterThan(0);
      for (const name of names) expect(exported.has(name) || SCRAPE_SERIES.has(name), `${q.panel}: ${name} is not exported`).toBe(true);
    }
  });

  it('finds a run by its openai.run.id in Tempo (TraceQL) and Jaeger (tag search), since metrics carry no run ids', () => {
    const dashboard = readDashboard();
    const targets = allPanels(dashboard).flatMap(
      (p) => (p.targets ?? []) as { datasource?: { type?: string }; query?: string; tags?: string }[],
    );
    expect(targets.some((t) => t.datasource?.type === 'tempo' && t.query === '{ span.openai.run.id = "$run_id" }')).toBe(true);
    expect(targets.some((t) => t.datasource?.type === 'jaeger' && t.tags === 'openai.run.id=$run_id')).toBe(true);
    expect(dashboard.templating.list.some((v) => v.name === 'run_id' && v.type === 'textbox')).toBe(true);
    // No PromQL query filters or groups by a run or thread id.
    for (const q of dashboardQueries(dashboard)) expect(q.expr).not.toMatch(/run_id|thread_id|conversation_id/);
  });
});

describe('config/prometheus rules', () => {
  it('say which metric-name path they are written for', () => {
    for (const file of ['alerts.yml', 'prometheus.yml', 'alerts.test.yml']) {
      expect(readFileSync(`${CONFIG_DIR}prometheus/${file}`, 'utf8').slice(0, 1200), file).toMatch(/GET \/metrics/);
    }
    expect(readFileSync(`${CONFIG_DIR}prometheus/alerts.yml`, 'utf8').slice(0, 1200)).toMatch(/Metric-name path/);
  });

  it('every metric an alert or recording rule names is exported, or recorded by the rules themselves', () => {
    const { exprs, recorded } = ruleExpressions();
    for (const rule of exprs) {
      for (const name of metricNamesIn(rule.expr)) {
        expect(exported.has(name) || recorded.has(name) || SCRAPE_SERIES.has(name), `${rule.panel}: ${name} is not exported`).toBe(true);
      }
    }
  });
});
