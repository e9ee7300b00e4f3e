// The responses source's settings for Foundry and what a followed response keeps: agent names as
// Foundry allows them, the api-version the v1 paths take, the look settings from the bridge's
// configuration, and a followed response's record read back or refused.
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/config/config-error.js';
import { DEFAULTS } from '../../../src/config/defaults.js';
import { v1ApiVersion } from '../../../src/sources/responses/client.js';
import { readResponse } from '../../../src/sources/responses/payload.js';
import { cursorOf, hasMoved, readResponseCursor, readResponseFrozen } from '../../../src/sources/responses/response-unit.js';
import {
  checkFoundryAgentName,
  FOUNDRY_AGENTS_DEFAULTS,
  isFoundryAgentName,
  responsesLookSettings,
} from '../../../src/sources/responses/settings.js';
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
