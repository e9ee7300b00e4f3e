import { describe, expect, it } from 'vitest';
import { parseRun } from '../../src/source/payloads.js';
describe('smoke', () => {
  it('parses a run', () => {
    expect(parseRun({ id: 'run_1', created_at: 'x' })).toMatchObject({ ok: true, value: { id: 'run_1', created_at: null } });
  });
});
