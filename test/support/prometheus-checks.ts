// What the e2e tests ask of a real Prometheus scraping a bridge: that the dashboard's queries of a
// kind find data, and that the rules load and evaluate.
import { expect } from 'vitest';
import type { RunningPrometheus } from './prometheus-server.js';
import { dashboardQueries, readDashboard, withGrafanaVariables, type DashboardQuery } from './promql-names.js';

/** Every dashboard query `which` picks finds data; returns how many there were. */
export async function expectDashboardQueriesFindData(prom: RunningPrometheus, which: (q: DashboardQuery) => boolean): Promise<number> {
  const queries = dashboardQueries(readDashboard()).filter(which);
  for (const q of queries) {
    const result = await prom.query(withGrafanaVariables(q.expr));
    expect(result.length, `${q.panel}: ${q.expr}`).toBeGreaterThan(0);
  }
  return queries.length;
}

/** Every rule evaluates healthy, those named among them; returns the rules. */
export async function expectRulesHealthy(
  prom: RunningPrometheus,
  names: readonly string[] = [],
): Promise<Awaited<ReturnType<RunningPrometheus['rules']>>> {
  const rules = await prom.rules();
  for (const name of names) expect(rules.map((r) => r.name)).toContain(name);
  for (const rule of rules) expect(rule, rule.name).toMatchObject({ health: 'ok' });
  return rules;
}
