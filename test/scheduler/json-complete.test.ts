// A JSON body cut short is told from a whole one by its brackets alone: every object or array
// closes exactly at its end, and no proper prefix of it does, whatever its strings hold.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bracketsCloseAtEnd } from '../../src/scheduler/json-complete.js';

const bytes = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, 'utf8'));
// Strings full of what a scanner could trip on: quotes, backslashes, brackets, multi-byte characters.
const nasty = fc.oneof(fc.string({ unit: 'binary' }), fc.constantFrom('"', '\\', '\\"', '{', '}]', '[{"', 'é', '𝄞', '\u2028', '\\\\'));
const value: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  leaf: fc.oneof(nasty, fc.double({ noNaN: true, noDefaultInfinity: true }), fc.integer(), fc.boolean(), fc.constant(null)),
  node: fc.oneof(
    { depthSize: 'small' },
    tie('leaf'),
    fc.array(tie('node'), { maxLength: 4 }),
    fc.dictionary(nasty, tie('node'), { maxKeys: 4 }),
  ),
})).node;
const document = fc.oneof(fc.array(value, { maxLength: 5 }), fc.dictionary(nasty, value, { maxKeys: 5 })).map((v) => JSON.stringify(v));

describe('bracketsCloseAtEnd', () => {
  it('says a whole object or array is whole, with whitespace after it or not', () => {
    fc.assert(
      fc.property(document, fc.constantFrom('', ' ', '\n', '\r\n\t '), (text, tail) => {
        expect(bracketsCloseAtEnd(bytes(text + tail))).toBe(true);
        expect(bracketsCloseAtEnd(bytes(`  \n${text}`))).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('says every proper prefix of one is cut short, at any byte, mid-character included', () => {
    fc.assert(
      fc.property(document, (text) => {
        const whole = bytes(text);
        for (let cut = 1; cut < whole.length; cut += 1) expect(bracketsCloseAtEnd(whole.subarray(0, cut))).toBe(false);
      }),
      { numRuns: 300 },
    );
  });

  it('says a document with more after its end is not one, and leaves bare values to the caller', () => {
    expect(bracketsCloseAtEnd(bytes('{"a":1}{"b":2}'))).toBe(false);
    expect(bracketsCloseAtEnd(bytes('[1] x'))).toBe(false);
    expect(bracketsCloseAtEnd(bytes(''))).toBeNull();
    expect(bracketsCloseAtEnd(bytes('   '))).toBeNull();
    expect(bracketsCloseAtEnd(bytes('"text"'))).toBeNull();
    expect(bracketsCloseAtEnd(bytes('42'))).toBeNull();
  });
});
