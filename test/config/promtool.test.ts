// The Prometheus files in config/prometheus, checked by Prometheus's own promtool: the scrape
// config and the rules are valid, and every alert passes its unit tests (alerts.test.yml).
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { PROMTOOL_BIN, requireBinary } from '../support/prometheus-server.js';

const run = promisify(execFile);
const DIR = fileURLToPath(new URL('../../config/prometheus/', import.meta.url));

async function promtool(...args: string[]): Promise<string> {
  try {
    const { stdout, stderr } = await run(requireBinary(PROMTOOL_BIN), args, { cwd: DIR });
    return stdout + stderr;
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(`promtool ${args.join(' ')} failed:\n${e.stdout ?? ''}${e.stderr ?? e.message}`);
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
    const fired = new Set(tests.tests.flatMap((t) => t.alert_rule_test ?? []).filter((c) => c.exp_alerts.length > 0).map((c) => c.alertname));
    const quiet = new Set(tests.tests.flatMap((t) => t.alert_rule_test ?? []).filter((c) => c.exp_alerts.length === 0).map((c) => c.alertname));
    expect(alerts.length).toBeGreaterThanOrEqual(10);
    for (const alert of alerts) {
      expect(fired, `${alert} has no test where it fires`).toContain(alert);
      expect(quiet, `${alert} has no test where it stays quiet`).toContain(alert);
    }
  });
});
