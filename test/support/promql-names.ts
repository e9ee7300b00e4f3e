// What the Grafana dashboards and the Prometheus rules ask for: their PromQL expressions, the
// metric names in them, and the expressions with Grafana's variables filled in so a real
// Prometheus can run them.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

export const CONFIG_DIR = fileURLToPath(new URL('../../config/', import.meta.url));
export const DASHBOARD_FILE = `${CONFIG_DIR}grafana/dashboards/assistants.json`;
export const ALERTS_FILE = `${CONFIG_DIR}prometheus/alerts.yml`;

export interface DashboardQuery {
  panel: string;
  expr: string;
}

interface Panel {
  title?: string;
  datasource?: { type?: string; uid?: string };
  targets?: { expr?: string; datasource?: { type?: string; uid?: string } }[];
  panels?: Panel[];
}

interface Dashboard {
  panels: Panel[];
  templating: { list: { name: string; type: string; query?: string | { query?: string }; definition?: string }[] };
}

export function readDashboard(path = DASHBOARD_FILE): Dashboard {
  return JSON.parse(readFileSync(path, 'utf8')) as Dashboard;
}

export function allPanels(dashboard: Dashboard): Panel[] {
  return dashboard.panels.flatMap((p) => [p, ...(p.panels ?? [])]);
}

/** Every PromQL expression of the dashboard: panel targets on Prometheus, and query variables. */
export function dashboardQueries(dashboard: Dashboard): DashboardQuery[] {
  const out: DashboardQuery[] = [];
  for (const panel of allPanels(dashboard)) {
    for (const t of panel.targets ?? []) {
      const type = t.datasource?.type ?? panel.datasource?.type;
      if (type === 'prometheus' && t.expr) out.push({ panel: panel.title ?? '?', expr: t.expr });
    }
  }
  for (const v of dashboard.templating.list) {
    if (v.type !== 'query') continue;
    const q = typeof v.query === 'string' ? v.query : (v.query?.query ?? v.definition ?? '');
    const inner = /^label_values\((.*),\s*[a-zA-Z_][a-zA-Z0-9_]*\)$/.exec(q.trim());
    out.push({ panel: `variable $${v.name}`, expr: inner ? inner[1]! : q });
  }
  return out;
}

/** Alerting and recording rule expressions, and the names the recording rules define. */
export function ruleExpressions(path = ALERTS_FILE): { exprs: DashboardQuery[]; recorded: Set<string> } {
  const file = parse(readFileSync(path, 'utf8')) as { groups: { rules: { alert?: string; record?: string; expr: string }[] }[] };
  const rules = file.groups.flatMap((g) => g.rules);
  return {
    exprs: rules.map((r) => ({ panel: r.alert ?? r.record ?? '?', expr: r.expr })),
    recorded: new Set(rules.flatMap((r) => (r.record ? [r.record] : []))),
  };
}

const KEYWORDS = new Set([
  'and',
  'or',
  'unless',
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'offset',
  'bool',
  'inf',
  'nan',
  'atan2',
]);

/** The metric names an expression selects (functions, keywords, labels, strings and durations removed). */
export function metricNamesIn(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/'(?:[^'\\]|\\.)*'/g, "''")
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\$[a-zA-Z_]+/g, ' ');
  const names = new Set<string>();
  for (const m of stripped.matchAll(/(?<![a-zA-Z0-9_:.])[a-zA-Z_:][a-zA-Z0-9_:]*/g)) {
    const word = m[0];
    const rest = stripped.slice(m.index + word.length);
    if (/^\s*\(/.test(rest)) continue; // a function call
    if (KEYWORDS.has(word.toLowerCase())) continue;
    names.add(word);
  }
  return [...names];
}

/** The expression as Grafana would send it, for a real Prometheus. */
export function withGrafanaVariables(expr: string, range = '5m'): string {
  return expr
    .replace(/\$__rate_interval/g, '1m')
    .replace(/\$__range/g, range)
    .replace(/\$__interval/g, '15s')
    .replace(/\$(job|agent|model)\b/g, '.*');
}

/** Queries of the dashboard about Agents API sessions (test/e2e/agents-prometheus.test.ts finds their data). */
export const isAgentsQuery = (q: DashboardQuery): boolean => /openai_agents_|gen_ai_operation_name="invoke_agent"/.test(q.expr);

/** Queries of the dashboard about responses (test/e2e/responses-prometheus.test.ts finds their data). */
export const isResponsesQuery = (q: DashboardQuery): boolean => /openai_responses?_/.test(q.expr);

/** Queries of the dashboard about the webhook intake. */
export const isWebhookQuery = (q: DashboardQuery): boolean => /assistants_bridge_webhooks_/.test(q.expr);
