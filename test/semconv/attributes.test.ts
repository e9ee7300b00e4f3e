// The shared attribute names are spelled by hand (the GenAI ones are experimental); each one the
// OpenTelemetry semantic-conventions package also names must be spelled the same.
import * as semconv from '@opentelemetry/semantic-conventions/incubating';
import { describe, expect, it } from 'vitest';
import * as shared from '../../src/semconv/attributes.js';
import * as assistants from '../../src/sources/assistants/attributes.js';

const published = semconv as unknown as Record<string, unknown>;

describe('shared attribute names', () => {
  const named = Object.entries(shared).filter(([name]) => name in published);

  it('spells every name the semantic conventions publish as they do', () => {
    for (const [name, value] of named) expect([name, value]).toEqual([name, published[name]]);
  });

  it("leaves out of the published names only the bridge's own and gen_ai.token.modality", () => {
    // gen_ai.token.modality comes from the GenAI conventions v0.1.0, which the package does not follow.
    const unpublished = Object.keys(shared).filter((name) => !(name in published));
    expect(unpublished.filter((name) => !name.startsWith('ATTR_BRIDGE_') && !name.startsWith('LABEL_'))).toEqual([
      'ATTR_GEN_AI_TOKEN_MODALITY',
    ]);
    expect(named.length).toBeGreaterThanOrEqual(35);
  });

  it("keeps the bridge's span and total flags in its namespace, and the protocol's names apart", () => {
    for (const [name, value] of Object.entries(shared)) if (name.startsWith('ATTR_BRIDGE_')) expect(value).toMatch(/^assistants_bridge\./);
    for (const value of Object.values(assistants)) expect(value).toMatch(/^(openai|azure\.ai\.agents)\./);
    const values = [...Object.values(shared), ...Object.values(assistants)];
    expect(new Set(values).size).toBe(values.length);
  });
});
