import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { genAiConventionsOf } from '../../src/config/semconv.js';
import { usageAttributes } from '../../src/mapping/token-usage.js';

describe('OTEL_SEMCONV_STABILITY_OPT_IN', () => {
  it('switches to the GenAI v0.1.0 conventions when its list has gen_ai_latest_experimental', () => {
    expect(genAiConventionsOf({})).toBe('default');
    expect(genAiConventionsOf({ OTEL_SEMCONV_STABILITY_OPT_IN: '' })).toBe('default');
    expect(genAiConventionsOf({ OTEL_SEMCONV_STABILITY_OPT_IN: 'http' })).toBe('default');
    expect(genAiConventionsOf({ OTEL_SEMCONV_STABILITY_OPT_IN: 'gen_ai_latest_experimental' })).toBe('genai-0.1.0');
    expect(genAiConventionsOf({ OTEL_SEMCONV_STABILITY_OPT_IN: 'http/dup, gen_ai_latest_experimental ,database' })).toBe('genai-0.1.0');
    // A value that merely contains the word is not the value.
    expect(genAiConventionsOf({ OTEL_SEMCONV_STABILITY_OPT_IN: 'gen_ai_latest_experimental_v2' })).toBe('default');
  });

  it('is read in one place, src/config/semconv.ts', () => {
    const src = fileURLToPath(new URL('../../src/', import.meta.url));
    const readers = (readdirSync(src, { recursive: true }) as string[])
      .filter((f) => f.endsWith('.ts'))
      .filter((f) => {
        // Code, not the comments that explain it.
        const code = readFileSync(join(src, f), 'utf8').replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '');
        return /OTEL_SEMCONV_STABILITY_OPT_IN|gen_ai_latest_experimental/.test(code);
      });
    expect(readers).toEqual([join('config', 'semconv.ts')]);
  });
});

describe('usage attributes on spans', () => {
  const usage = {
    prompt_tokens: 300,
    completion_tokens: 90,
    total_tokens: 390,
    prompt_tokens_details: { cached_tokens: 128 },
    completion_tokens_details: { reasoning_tokens: 64 },
  };

  it("keep today's names by default, and add the cache and reasoning counts under the v0.1.0 names", () => {
    expect(usageAttributes(usage, 'default')).toEqual([
      ['gen_ai.usage.input_tokens', 300],
      ['gen_ai.usage.output_tokens', 90],
    ]);
    expect(usageAttributes(usage, 'genai-0.1.0')).toEqual([
      ['gen_ai.usage.input_tokens', 300],
      ['gen_ai.usage.output_tokens', 90],
      ['gen_ai.usage.cache_read.input_tokens', 128],
      ['gen_ai.usage.reasoning.output_tokens', 64],
    ]);
  });

  it('leave out what the service does not report, and odd values', () => {
    expect(usageAttributes({ prompt_tokens: 10, completion_tokens: 2 }, 'genai-0.1.0')).toEqual([
      ['gen_ai.usage.input_tokens', 10],
      ['gen_ai.usage.output_tokens', 2],
    ]);
    expect(usageAttributes(null, 'genai-0.1.0')).toEqual([]);
    expect(
      usageAttributes({ prompt_tokens: -1, completion_tokens: 'x', prompt_tokens_details: { cached_tokens: Infinity } }, 'genai-0.1.0'),
    ).toEqual([]);
  });
});
