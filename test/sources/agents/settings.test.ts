// The agents source's settings: the trace wait as a duration with a clear error, and what a session
// look takes from the bridge's configuration.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { flagsLayer } from '../../../src/cli/options.js';
import { resolveConfig } from '../../../src/config/resolve.js';
import { ConfigError } from '../../../src/config/config-error.js';
import { DEFAULTS } from '../../../src/config/defaults.js';
import {
  AGENTS_CONFIG_KEYS,
  AGENTS_WATCH_DEFAULTS,
  agentsSettingsOf,
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
    expect(sessionLookSettings(config, { sessions: [], agents: [], traceWaitSeconds: 60 })).toEqual({
      traceWaitSeconds: 60,
      pageSize: 100,
      content: { capture: true, maxLength: 100 },
      limits: { attributeValueLengthLimit: 50, attributeCountLimit: 10 },
      resource: { 'deployment.environment.name': 'prod', 'service.name': 'agents-prod' },
    });
    expect(sessionLookSettings(DEFAULTS).traceWaitSeconds).toBe(900);
  });
});

describe('--agent and watch.agents', () => {
  const resolveWith = (flags: Record<string, unknown>, file?: string): ReturnType<typeof resolveConfig> => {
    const configFile = file === undefined ? undefined : join(mkdtempSync(join(tmpdir(), 'aob-agents-settings-')), 'bridge.yaml');
    if (configFile !== undefined && file !== undefined) writeFileSync(configFile, file);
    return resolveConfig({ flags: flagsLayer(flags), env: { OPENAI_API_KEY: 'sk-test' }, configFile });
  };
  const errorOf = (fn: () => unknown): string => {
    try {
      fn();
    } catch (error) {
      return error instanceof Error ? error.message : String(error);
    }
    throw new Error('no error');
  };

  it('adds up the agents of the file and the command line, and lets --since apply to them', () => {
    const config = resolveWith({ agent: ['agent_b', 'agent_a'], since: '2d' }, 'watch:\n  agents: [agent_a, agent_c]\n');
    expect(agentsSettingsOf(config.sources.agents).agents).toEqual(['agent_a', 'agent_c', 'agent_b']);
    expect(config.watch.sinceSeconds).not.toBeNull();
  });

  it('refuses an id no URL can carry, or a list that is not one, naming the flag or the key', () => {
    expect(errorOf(() => resolveWith({ agent: ['a/b'] }))).toMatch(/^--agent: /);
    expect(errorOf(() => resolveWith({}, 'watch:\n  agents: agent_a\n'))).toMatch(/watch\.agents.*must be a list of agent ids/);
    expect(errorOf(() => resolveWith({}, 'watch:\n  agents: [ 5 ]\n'))).toMatch(/watch\.agents.*strings/);
  });
});
