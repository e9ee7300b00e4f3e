// The agents source's settings: the trace wait as a duration with a clear error, and what a session
// look takes from the bridge's configuration.
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/config/config-error.js';
import { DEFAULTS } from '../../../src/config/defaults.js';
import {
  AGENTS_CONFIG_KEYS,
  AGENTS_WATCH_DEFAULTS,
  DEFAULT_AGENT_TRACE_WAIT,
  parseTraceWait,
  sessionLookSettings,
} from '../../../src/sources/agents/settings.js';

describe('--agent-trace-wait', () => {
  it('reads a duration into whole seconds; the default is 15m', () => {
    expect(parseTraceWait(DEFAULT_AGENT_TRACE_WAIT, AGENTS_CONFIG_KEYS.traceWait, 'test')).toBe(900);
    expect(AGENTS_WATCH_DEFAULTS.traceWaitSeconds).toBe(900);
    const cases: [string, number][] = [
      ['90s', 90],
      ['1h30m', 5_400],
      ['0', 0],
      ['1.5s', 2],
      ['24h', 86_400],
      [' 2m ', 120],
    ];
    for (const [raw, seconds] of cases) expect([raw, parseTraceWait(raw, 'f', 's')]).toEqual([raw, seconds]);
  });

  it('refuses what is no duration, or longer than a day, with one line naming the field and where it came from', () => {
    for (const raw of ['', '15', 'fifteen minutes', '-5m', '25h']) {
      const error: unknown = (() => {
        try {
          return parseTraceWait(raw, AGENTS_CONFIG_KEYS.traceWait, 'bridge.yaml');
        } catch (e) {
          return e;
        }
      })();
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).message).toMatch(/^watch\.agent_trace_wait: .*\(from bridge\.yaml\)$/);
    }
  });
});

describe('a session look from the bridge configuration', () => {
  it('takes the content rule, the attribute limits and the configured resource (service name and resource attributes)', () => {
    const config = {
      ...DEFAULTS,
      content: { capture: true, maxLength: 100 },
      limits: { attributeValueLengthLimit: 50, attributeCountLimit: 10 },
      resource: { ...DEFAULTS.resource, assistantServiceName: 'agents-prod', attributes: { 'deployment.environment.name': 'prod' } },
    };
    expect(sessionLookSettings(config, { sessions: [], traceWaitSeconds: 60 })).toEqual({
      traceWaitSeconds: 60,
      pageSize: 100,
      content: { capture: true, maxLength: 100 },
      limits: { attributeValueLengthLimit: 50, attributeCountLimit: 10 },
      resource: { 'deployment.environment.name': 'prod', 'service.name': 'agents-prod' },
    });
    expect(sessionLookSettings(DEFAULTS).traceWaitSeconds).toBe(900);
  });
});
