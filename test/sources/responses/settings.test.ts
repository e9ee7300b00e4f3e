// The responses source's settings for Foundry and what a followed response keeps: agent names as
// Foundry allows them, the api-version the v1 paths take, the look settings from the bridge's
// configuration, and a followed response's record read back or refused.
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/config/config-error.js';
import { DEFAULTS } from '../../../src/config/defaults.js';
import { responsesLayoutOf, v1ApiVersion } from '../../../src/sources/responses/client.js';
import { readResponse } from '../../../src/sources/responses/payload.js';
import { cursorOf, hasMoved, readResponseCursor, readResponseFrozen } from '../../../src/sources/responses/response-unit.js';
import {
  checkFoundryAgentName,
  checkFoundryProfile,
  FOUNDRY_AGENTS_DEFAULTS,
  isFoundryAgentName,
  RESPONSES_SETTINGS,
  responsesLookSettings,
  responsesSettingsOf,
} from '../../../src/sources/responses/settings.js';
import type { WatchFlags } from '../../../src/cli/options.js';
import type { BridgeConfig } from '../../../src/config/types.js';
import { configErrorOf, resolve } from '../../config/helpers.js';
import { StateError } from '../../../src/state/errors.js';

describe('Foundry agent names', () => {
  it('are up to 63 letters, digits and hyphens, a hyphen never first or last', () => {
    for (const good of ['a', 'support-triage', 'Agent42', 'a'.repeat(63)]) expect(isFoundryAgentName(good)).toBe(true);
    for (const bad of ['', '-a', 'a-', 'a_b', 'a b', 'a'.repeat(64), 'agent:1']) expect(isFoundryAgentName(bad)).toBe(false);
  });

  it('refused in one line naming the field', () => {
    expect(checkFoundryAgentName('support-triage', 'watch.foundry_agents[0]')).toBe('support-triage');
    const error = (() => {
      try {
        checkFoundryAgentName('support triage', 'watch.foundry_agents[1]', 'bridge.yaml');
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(
      /^watch\.foundry_agents\[1\]: 'support triage' is not a Foundry agent name .*\(from bridge\.yaml\)$/,
    );
  });
});

describe('settings', () => {
  it('default to a 10-minute overlap and ten pages a look, and take the rest from the configuration', () => {
    expect(FOUNDRY_AGENTS_DEFAULTS).toEqual({ agents: [], overlapSeconds: 600, pagesPerLook: 10 });
    const config = {
      ...DEFAULTS,
      content: { capture: true, maxLength: 99 },
      api: { ...DEFAULTS.api, baseURL: 'https://r.services.ai.azure.com/api/projects/p', providerName: 'azure.ai.foundry' },
    };
    expect(responsesLookSettings(config)).toEqual({
      overlapSeconds: 600,
      pagesPerLook: 10,
      pageSize: 100,
      content: { capture: true, maxLength: 99 },
      limits: DEFAULTS.limits,
      providerName: 'azure.ai.foundry',
      baseURL: 'https://r.services.ai.azure.com/api/projects/p',
    });
  });

  it('send v1 on the v1 paths unless preview is configured, never a dated version', () => {
    expect([undefined, 'v1', 'preview', '2025-05-15-preview'].map(v1ApiVersion)).toEqual(['v1', 'v1', 'preview', 'v1']);
  });

  it("read responses where the profile keeps them: OpenAI's /responses with no api-version, Azure's v1 paths; only Foundry lists", () => {
    expect(responsesLayoutOf(undefined, undefined)).toEqual({ path: '/responses', query: {}, lists: false });
    expect(responsesLayoutOf('openai', '2025-05-15-preview')).toEqual({ path: '/responses', query: {}, lists: false });
    expect(responsesLayoutOf('azure-openai', '2025-05-15-preview')).toEqual({
      path: '/v1/responses',
      query: { 'api-version': 'v1' },
      lists: false,
    });
    expect(responsesLayoutOf('azure-foundry', 'preview')).toEqual({
      path: '/openai/v1/responses',
      query: { 'api-version': 'preview' },
      lists: true,
    });
  });
});

describe('a followed response', () => {
  const response = (status: string, output: unknown[]) => readResponse({ id: 'resp_1', status, output })!;

  it('moved when its status or any output item did', () => {
    const queued = cursorOf(response('queued', []));
    expect(hasMoved(null, queued)).toBe(true);
    expect(hasMoved(queued, cursorOf(response('queued', [])))).toBe(false);
    expect(hasMoved(queued, cursorOf(response('in_progress', [])))).toBe(true);
    const searching = cursorOf(response('in_progress', [{ type: 'web_search_call', id: 'ws', status: 'searching' }]));
    expect(hasMoved(searching, cursorOf(response('in_progress', [{ type: 'web_search_call', id: 'ws', status: 'completed' }])))).toBe(true);
  });

  it('has its record refused, naming it, when this version cannot read it', () => {
    expect(readResponseCursor(null, 'resp_1')).toBeNull();
    expect(readResponseFrozen(undefined, 'resp_1')).toBeNull();
    expect(() => readResponseCursor({ v: 1, status: 3 }, 'resp_1')).toThrow(StateError);
    expect(() => readResponseFrozen({ owner: 'a', previous: null, context: { traceparent: null } }, 'resp_1')).toThrow(/response resp_1/);
  });
});

describe('RESPONSES_SETTINGS: --foundry-agent and watch.foundry_agents', () => {
  const FOUNDRY = { AZURE_AI_PROJECT_ENDPOINT: 'https://r.services.ai.azure.com/api/projects/p', AZURE_OPENAI_API_KEY: 'k' };
  const foundryFlags = (agents: string[], extra: Record<string, unknown> = {}): WatchFlags =>
    ({ provider: 'azure-foundry', auth: 'api-key', foundryAgent: agents, ...extra }) as WatchFlags;
  const agentsOf = (config: BridgeConfig): string[] => responsesSettingsOf(config.sources.responses).agents;

  it('names its flag and config key, and defaults to no agents', () => {
    expect(RESPONSES_SETTINGS.names).toEqual([{ key: 'watch.foundry_agents', flag: '--foundry-agent', discovery: true }]);
    expect(agentsOf(resolve())).toEqual([]);
    expect(responsesSettingsOf(undefined)).toBe(FOUNDRY_AGENTS_DEFAULTS);
  });

  it('reads agents from the flags (repeatable) and the file, adding up without repeats', () => {
    expect(agentsOf(resolve({ flags: foundryFlags(['support-triage', 'research-scout']), env: FOUNDRY }))).toEqual([
      'support-triage',
      'research-scout',
    ]);
    const both = resolve({
      flags: foundryFlags(['research-scout']),
      env: FOUNDRY,
      file: { watch: { foundry_agents: ['support-triage', 'research-scout'] } },
    });
    expect(agentsOf(both)).toEqual(['support-triage', 'research-scout']);
    expect(both.sources.responses).toEqual({ ...FOUNDRY_AGENTS_DEFAULTS, agents: ['support-triage', 'research-scout'] });
  });

  it('lets --since apply once an agent is followed (the first look starts there)', () => {
    expect(RESPONSES_SETTINGS.usesSince?.({ ...FOUNDRY_AGENTS_DEFAULTS, agents: ['a'] })).toBe(true);
    expect(RESPONSES_SETTINGS.usesSince?.(FOUNDRY_AGENTS_DEFAULTS)).toBe(false);
    // Agents are work to watch: the start does not say it watches only what the state file tracks.
    expect(RESPONSES_SETTINGS.namesWork?.({ ...FOUNDRY_AGENTS_DEFAULTS, agents: ['a'] })).toBe(true);
    expect(RESPONSES_SETTINGS.namesWork?.(FOUNDRY_AGENTS_DEFAULTS)).toBe(false);
    const config = resolve({ flags: foundryFlags(['support-triage'], { since: '1793491200' }), env: FOUNDRY });
    expect(config.watch.sinceSeconds).toBe(1793491200);
    expect(configErrorOf(() => resolve({ flags: { since: '6h' } })).field).toBe('--since');
  });

  it('refuses a name Foundry could not have, naming the flag or the key', () => {
    const flag = configErrorOf(() => resolve({ flags: foundryFlags(['support triage']), env: FOUNDRY }));
    expect(flag.message).toMatch(/^--foundry-agent: 'support triage' is not a Foundry agent name .*\(from the command line\)$/);
    for (const bad of [['-x'], 'support-triage', [7], [{ name: 'a' }]]) {
      const error = configErrorOf(() =>
        resolve({ env: FOUNDRY, file: { api: { provider: 'azure-foundry' }, watch: { foundry_agents: bad } } }),
      );
      expect(error.field).toBe('watch.foundry_agents');
      expect(error.exitCode).toBe(2);
    }
  });

  it('refuses agents unless the API profile is azure-foundry: one line naming --foundry-agent', () => {
    for (const layers of [
      { flags: { foundryAgent: ['support-triage'] } as WatchFlags },
      {
        flags: { provider: 'azure-openai', foundryAgent: ['support-triage'] } as WatchFlags,
        env: { AZURE_OPENAI_ENDPOINT: 'https://r.openai.azure.com', AZURE_OPENAI_API_KEY: 'k' },
      },
      { file: { watch: { foundry_agents: ['support-triage'] } } },
    ]) {
      const error = configErrorOf(() => resolve(layers));
      expect(error.field).toBe('--foundry-agent');
      expect(error.exitCode).toBe(2);
      expect(error.message.split('\n')).toHaveLength(1);
      expect(error.message).toMatch(
        /^--foundry-agent: follows agents of an Azure AI Foundry project, but the API profile is (azure-openai|openai): /,
      );
    }
    expect(() => checkFoundryProfile([], {})).not.toThrow();
    expect(() => checkFoundryProfile(['a'], { provider: 'azure-foundry' })).not.toThrow();
  });
});
