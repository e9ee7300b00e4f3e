// Injected faults and a real requests-per-minute limiter. Decisions use their own seeded PRNG and
// a request counter, so a test sees the same faults on the same requests every time.
import { present } from '../core/present.js';
import { z } from 'zod';
import { rateLimited, serverError, type ApiError } from './errors.js';
import { createPrng, deriveSeed, type Prng } from './prng.js';

// `every: N` fires on every Nth request under the API base path (rejected ones count too),
// counted from the last time the faults were set.
const trigger = { every: z.number().int().positive().optional(), probability: z.number().min(0).max(1).optional() };

export const FaultConfigSchema = z.strictObject({
  rateLimit429: z
    .strictObject({
      ...trigger,
      headers: z.enum(['retry-after', 'retry-after-ms', 'x-ratelimit', 'none']),
      retryAfterSeconds: z.number().nonnegative().optional(),
      retryAfterMs: z.number().int().nonnegative().optional(),
      resetDuration: z
        .string()
        .regex(/^(\d+(\.\d+)?(h|m|s|ms|us|µs|ns))+$/)
        .optional(),
    })
    .optional(),
  rpmLimit: z.number().int().positive().optional(),
  serverError: z
    .strictObject({ ...trigger, status: z.union([z.literal(500), z.literal(502), z.literal(503), z.literal(504)]).optional() })
    .optional(),
  latencyMs: z.number().int().nonnegative().optional(),
  hang: z.strictObject(trigger).optional(),
  malformedJson: z.strictObject(trigger).optional(),
  notFoundRuns: z.array(z.string()).optional(),
  notFoundThreads: z.array(z.string()).optional(),
});
export type FaultConfig = z.infer<typeof FaultConfigSchema>;
type Trigger = { every?: number; probability?: number };

export type FaultName = 'hang' | 'rpm_limit' | 'rate_limit_429' | 'server_error' | 'malformed_json' | 'not_found_run' | 'not_found_thread';

export function parseFaultConfig(input: unknown): { ok: true; value: FaultConfig } | { ok: false; error: string } {
  const result = FaultConfigSchema.safeParse(input ?? {});
  if (result.success) return { ok: true, value: result.data };
  const issue = result.error.issues[0];
  return { ok: false, error: `faults.${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'}` };
}

/** Go's time.Duration.String() at millisecond precision: `12ms`, `1s`, `1.5s`, `6m0s`, `1h0m0s`. */
export function goDuration(ms: number): string {
  const total = Math.max(0, Math.round(ms));
  if (total === 0) return '0s';
  if (total < 1000) return `${total}ms`;
  const h = Math.floor(total / 3_600_000);
  const m = Math.floor((total % 3_600_000) / 60_000);
  const sMs = total % 60_000;
  const s = sMs % 1000 === 0 ? String(sMs / 1000) : (sMs / 1000).toFixed(3).replace(/0+$/, '');
  if (h > 0) return `${h}h${m}m${s}s`;
  if (m > 0) return `${m}m${s}s`;
  return `${s}s`;
}

/** Sliding 60 s window over wall-clock time. */
export class RpmLimiter {
  private readonly times: number[] = [];

  constructor(
    readonly limit: number,
    private readonly wallClockMs: () => number,
  ) {}

  /** Counts the request unless it is over the limit; returns the headers to send either way. */
  take(): { allowed: boolean; headers: Record<string, string> } {
    const now = this.wallClockMs();
    while ((this.times[0] ?? Number.POSITIVE_INFINITY) <= now - 60_000) this.times.shift();
    const allowed = this.times.length < this.limit;
    if (allowed) this.times.push(now);
    const remaining = this.limit - this.times.length;
    // When refused: until a slot frees. Otherwise: until the window is empty again (the limit's
    // initial state, which is what the header documents).
    const resetMs = present(allowed ? this.times.at(-1) : this.times[0], 'the time of a counted request') + 60_000 - now;
    return {
      allowed,
      headers: {
        'x-ratelimit-limit-requests': String(this.limit),
        'x-ratelimit-remaining-requests': String(remaining),
        'x-ratelimit-reset-requests': goDuration(resetMs),
      },
    };
  }
}

export interface FaultDecision {
  hang: boolean;
  rateLimit: ApiError | null;
  serverError: ApiError | null;
  malformedJson: boolean;
  latencyMs: number;
}

export class FaultEngine {
  private config: FaultConfig = {};
  private prng: Prng;
  private counter = 0;
  private limiter: RpmLimiter | null = null;

  constructor(
    private readonly seed: number,
    config: FaultConfig = {},
    private readonly wallClockMs: () => number = Date.now,
  ) {
    this.prng = createPrng(deriveSeed(seed, 0xfa017));
    this.set(config);
  }

  get(): FaultConfig {
    return structuredClone(this.config);
  }

  /** Replaces the faults and restarts their counter, PRNG and rate window. */
  set(config: FaultConfig): void {
    const parsed = parseFaultConfig(config);
    if (!parsed.ok) throw new RangeError(parsed.error);
    this.config = parsed.value;
    this.counter = 0;
    this.prng = createPrng(deriveSeed(this.seed, 0xfa017));
    this.limiter = parsed.value.rpmLimit ? new RpmLimiter(parsed.value.rpmLimit, this.wallClockMs) : null;
  }

  /** Called once per API request, in arrival order. */
  decide(): FaultDecision {
    this.counter += 1;
    const c = this.config;
    const hang = this.fires(c.hang);
    const rateLimit = c.rateLimit429 && this.fires(c.rateLimit429) ? rateLimited(this.rateLimitHeaders(c.rateLimit429)) : null;
    const server = c.serverError && this.fires(c.serverError) ? serverError(c.serverError.status ?? 500) : null;
    const malformedJson = this.fires(c.malformedJson);
    return { hang, rateLimit, serverError: server, malformedJson, latencyMs: c.latencyMs ?? 0 };
  }

  /** The real limiter; null when none is configured. */
  limit(): { allowed: boolean; headers: Record<string, string> } | null {
    return this.limiter ? this.limiter.take() : null;
  }

  isNotFoundRun(id: string): boolean {
    return this.config.notFoundRuns?.includes(id) ?? false;
  }

  isNotFoundThread(id: string): boolean {
    return this.config.notFoundThreads?.includes(id) ?? false;
  }

  private fires(t: Trigger | undefined): boolean {
    if (!t) return false;
    // Always draw when a probability is set, so one fault's outcome never shifts another's.
    const draw = t.probability !== undefined ? this.prng.next() : 1;
    return (t.every !== undefined && this.counter % t.every === 0) || draw < (t.probability ?? 0);
  }

  private rateLimitHeaders(f: NonNullable<FaultConfig['rateLimit429']>): Record<string, string> {
    switch (f.headers) {
      case 'retry-after':
        return { 'retry-after': String(f.retryAfterSeconds ?? 1) };
      case 'retry-after-ms':
        return { 'retry-after-ms': String(f.retryAfterMs ?? 200) };
      case 'x-ratelimit':
        return {
          'x-ratelimit-limit-requests': String(this.config.rpmLimit ?? 60),
          'x-ratelimit-remaining-requests': '0',
          'x-ratelimit-reset-requests': f.resetDuration ?? '1s',
        };
      case 'none':
        return {};
    }
  }
}
