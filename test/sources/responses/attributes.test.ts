// The responses source's attribute names: those the semantic conventions publish are spelled as
// they are, the protocol's own stay in the openai namespace, the bridge's in its own, and none
// repeats a name another part of the bridge already gives a different constant.
import * as semconv from '@opentelemetry/semantic-conventions/incubating';
import { describe, expect, it } from 'vitest';
import * as shared from '../../../src/semconv/attributes.js';
import * as assistants from '../../../src/sources/assistants/attributes.js';
import * as responses from '../../../src/sources/responses/attributes.js';

const published = semconv as unknown as Record<string, unknown>;

describe('responses attribute names', () => {
  it('spells every name and value the semantic conventions publish as they do', () => {
    const named = Object.entries(responses).filter(([name]) => name in published);
    expect(named.map(([name]) => name).sort()).toEqual([
      'ATTR_OPENAI_API_TYPE',
      'ATTR_OPENAI_RESPONSE_SERVICE_TIER',
      'OPENAI_API_TYPE_VALUE_RESPONSES',
    ]);
    for (const [name, value] of named) expect([name, value]).toEqual([name, published[name]]);
    for (const name of ['ATTR_GEN_AI_AGENT_VERSION', 'ATTR_GEN_AI_RESPONSE_ID'] as const) expect(shared[name]).toBe(published[name]);
  });

  it("keeps the protocol's names in the openai namespace and the bridge's in its own, apart from every other name", () => {
    const names = Object.entries(responses).filter(([name]) => name.startsWith('ATTR_'));
    for (const [name, value] of names) {
      if (name.startsWith('ATTR_BRIDGE_')) expect(value).toMatch(/^assistants_bridge\./);
      else if (name === 'ATTR_GEN_AI_REQUEST_PREVIOUS_RESPONSE_ID') expect(value).toBe('gen_ai.request.previous_response.id');
      else expect(value).toMatch(/^openai\./);
    }
    const others = new Set<string>([...Object.values(shared), ...Object.values(assistants)]);
    for (const [, value] of names) expect(others.has(value)).toBe(false);
  });
});
