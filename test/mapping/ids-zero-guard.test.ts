// An all-zero ID is invalid in W3C trace context. No real input hashes to zeros, so this file
// replaces SHA-256 with a hash that always does, to check the guard in ids.ts.
import { describe, expect, it, vi } from 'vitest';

vi.mock('node:crypto', async (importOriginal) => {
  const original = await importOriginal<typeof import('node:crypto')>();
  const zeroHash = { update: () => zeroHash, digest: () => '0'.repeat(64) };
  return { ...original, createHash: () => zeroHash };
});

const { runSpanId, stepSpanId, toolSpanId, traceIdForRun } = await import('../../src/mapping/ids.js');

describe('all-zero guard', () => {
  it.each([
    ['trace id', () => traceIdForRun('run_1'), 32],
    ['run span id', () => runSpanId('run_1'), 16],
    ['step span id', () => stepSpanId('run_1', 'step_1'), 16],
    ['tool span id', () => toolSpanId('run_1', 'step_1', 'call_1'), 16],
  ])('never emits an all-zero %s', (_label, make, length) => {
    const id = make();
    expect(id).toHaveLength(length);
    expect(id).toMatch(/^[0-9a-f]+$/);
    expect(id).not.toMatch(/^0+$/);
  });
});
