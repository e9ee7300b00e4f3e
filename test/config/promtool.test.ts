// The Prometheus files in config/prometheus, checked by Prometheus's own promtool: the scrape
// config and the rules are valid, and every alert passes its unit tests (alerts.test.yml).
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { isMap, isSeq, parse, parseDocument } from 'yaml';
import { PROMTOOL_BIN, requireBinary } from '../support/prometheus-server.js';

const run = promisify(execFile);
const DIR = fileURLToPath(new URL('../../config/prometheus/', import.meta.url));

async function promtool(...args: string[]): Promise<string> {
  try {
    const { stdout, stderr } = await run(requireBinary(PROMTOOL_BIN), args, { cwd: DIR });
    return stdout + stderr;
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(`promtool ${args.join(' ')} failed:\n${e.stdout ?? ''}${e.stderr ?? e.message}`, { cause: error });
  }
}

describe('config/prometheus', () => {
  it('prometheus.yml is a valid configuration and finds its rule file', async () => {
    expect(await promtool('check', 'config', 'prometheus.yml')).toMatch(/SUCCESS: 1 rule files found/);
  });

  it('alerts.yml holds valid rules', async () => {
    expect(await promtool('check', 'rules', 'alerts.yml')).toMatch(/SUCCESS: \d+ rules found/);
  });

  it('every alert passes its promtool unit tests', async () => {
    expect(await promtool('test', 'rules', 'alerts.test.yml')).toMatch(/SUCCESS/);
  });

  it('every alert has a test where it fires and one where it stays quiet', () => {
    const rules = parse(readFileSync(`${DIR}alerts.yml`, 'utf8')) as { groups: { rules: { alert?: string }[] }[] };
    const alerts = rules.groups.flatMap((g) => g.rules).flatMap((r) => (r.alert ? [r.alert] : []));
    const tests = parse(readFileSync(`${DIR}alerts.test.yml`, 'utf8')) as {
      tests: { alert_rule_test?: { alertname: string; exp_alerts: unknown[] }[] }[];
    };
    const fired = new Set(
      tests.tests
        .flatMap((t) => t.alert_rule_test ?? [])
        .filter((c) => c.exp_alerts.length > 0)
        .map((c) => c.alertname),
    );
    const quiet = new Set(
      tests.tests
        .flatMap((t) => t.alert_rule_test ?? [])
        .filter((c) => c.exp_alerts.length === 0)
        .map((c) => c.alertname),
    );
    expect(alerts.length).toBeGreaterThanOrEqual(10);
    for (const alert of alerts) {
      expect(fired, `${alert} has no test where it fires`).toContain(alert);
      expect(quiet, `${alert} has no test where it stays quiet`).toContain(alert);
    }
  });

  const rules = (): { alert?: string; record?: string; expr: string; for?: string }[] =>
    (
      parse(readFileSync(`${DIR}alerts.yml`, 'utf8')) as {
        groups: { rules: { alert?: string; record?: string; expr: string; for?: string }[] }[];
      }
    ).groups.flatMap((g) => g.rules);

  it('every alert on run totals has a backfill case: history series where the alert is tested', () => {
    const tests = parse(readFileSync(`${DIR}alerts.test.yml`, 'utf8')) as {
      tests: { input_series: { series: string }[]; alert_rule_test?: { alertname: string }[] }[];
    };
    const backfilled = new Set(
      tests.tests
        .filter((t) => t.input_series.some((i) => i.series.includes('assistants_bridge_history="true"')))
        .flatMap((t) => (t.alert_rule_test ?? []).map((c) => c.alertname)),
    );
    const onRunTotals = rules().filter((r) => r.alert && !r.alert.startsWith('AssistantsBridge'));
    expect(onRunTotals.length).toBeGreaterThanOrEqual(10);
    for (const rule of onRunTotals) expect(backfilled, `${rule.alert} has no backfill case`).toContain(rule.alert);
    // And every rule that reads a run total leaves history out.
    for (const rule of rules()) {
      for (const total of rule.expr.match(
        /\b(assistants_(?:steps|runs)_total|openai_agents_(?:turns|traces_missing)_total|openai_responses_total|gen_ai_client_operation_duration_count)\{[^}]*\}/g,
      ) ?? []) {
        expect(total, `${rule.alert ?? rule.record}`).toContain('assistants_bridge_history!="true"');
      }
    }
  });

  it('an alert without for: says in a comment why it fires on a single event', () => {
    const doc = parseDocument(readFileSync(`${DIR}alerts.yml`, 'utf8'));
    const groups = doc.get('groups');
    if (!isSeq(groups)) throw new Error('alerts.yml has no groups');
    let checked = 0;
    for (const group of groups.items) {
      const list = isMap(group) ? group.get('rules') : null;
      if (!isSeq(list)) continue;
      list.items.forEach((rule, i) => {
        if (!isMap(rule) || !rule.has('alert') || rule.has('for')) return;
        checked += 1;
        // The parser hangs a comment above the first item on the list itself.
        const comment = rule.commentBefore ?? (i === 0 ? list.commentBefore : undefined) ?? '';
        expect(comment, String(rule.get('alert'))).toMatch(/No `for:`: .{20,}/s);
      });
    }
    expect(checked).toBeGreaterThanOrEqual(6);
  });

  it('no rule hard-codes a job: any job name a bridge is scraped under is covered', () => {
    for (const rule of rules()) expect(rule.expr, rule.alert ?? rule.record).not.toMatch(/job\s*=~?\s*"/);
  });
});
