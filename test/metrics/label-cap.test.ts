import { describe, expect, it } from 'vitest';
import { LabelCap, OTHER, type MetaStore } from '../../src/metrics/label-cap.js';

function memoryMeta(): MetaStore & { writes: number; data: Map<string, string> } {
  const data = new Map<string, string>();
  return {
    data,
    writes: 0,
    getMeta: (key) => data.get(key),
    setMeta(key, value) {
      this.writes += 1;
      data.set(key, value);
    },
  };
}

describe('LabelCap', () => {
  it('keeps the first `limit` values and reports every later one as _other', () => {
    const meta = memoryMeta();
    const cap = new LabelCap(meta, 'gen_ai.agent.id', 2);
    cap.admit(['asst_b', 'asst_a']);
    cap.admit(['asst_c', 'asst_a']);
    expect(cap.map('asst_a')).toBe('asst_a');
    expect(cap.map('asst_b')).toBe('asst_b');
    expect(cap.map('asst_c')).toBe(OTHER);
    expect(cap.map('never_seen')).toBe(OTHER);
  });

  it('admits in sorted order within one call, whatever order the values came in', () => {
    const one = new LabelCap(memoryMeta(), 'm', 2);
    const two = new LabelCap(memoryMeta(), 'm', 2);
    one.admit(['z', 'y', 'a', 'b']);
    two.admit(['b', 'a', 'y', 'z']);
    expect([...one.admitted]).toEqual(['a', 'b']);
    expect([...two.admitted]).toEqual(['a', 'b']);
  });

  it('remembers who got in across instances (restarts), so a series never moves to _other', () => {
    const meta = memoryMeta();
    new LabelCap(meta, 'gen_ai.agent.id', 2).admit(['asst_x', 'asst_y']);
    const after = new LabelCap(meta, 'gen_ai.agent.id', 2);
    // A value sorting before the admitted ones still cannot take their place.
    after.admit(['asst_a']);
    expect(after.map('asst_x')).toBe('asst_x');
    expect(after.map('asst_y')).toBe('asst_y');
    expect(after.map('asst_a')).toBe(OTHER);
  });

  it('writes the state only when the admitted set grows', () => {
    const meta = memoryMeta();
    const cap = new LabelCap(meta, 'l', 3);
    cap.admit(['a']);
    cap.admit(['a']);
    cap.admit([]);
    expect(meta.writes).toBe(1);
    cap.admit(['b', 'c', 'd']);
    cap.admit(['e']);
    expect(meta.writes).toBe(2);
    expect(JSON.parse(meta.data.get('metrics.admitted.l')!)).toEqual(['a', 'b', 'c']);
  });

  it('ignores an unreadable stored list and rejects a bad limit', () => {
    const meta = memoryMeta();
    meta.data.set('metrics.admitted.l', '{not json');
    const cap = new LabelCap(meta, 'l', 1);
    cap.admit(['a']);
    expect(cap.map('a')).toBe('a');
    expect(() => new LabelCap(meta, 'l', 0)).toThrow(RangeError);
  });
});
