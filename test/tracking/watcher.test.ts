// The generic watch loop with two sources defined here, the seam's consumers (no real source): each
// look reaches the source that scheduled it even when both use the same key; a failed look is
// counted and its retry class comes from the source; a `gone` failure the source lets go is neither
// counted nor retried; a fatal one stops everything; idle, progress, summary and deletions are
// the sources' put together.
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/cli/logger.js';
import { resolveConfig } from '../../src/config/resolve.js';
import { BridgeError } from '../../src/core/errors.js';
import type { SourceContext, SourceRegistration, WatchingSource } from '../../src/core/source.js';
import { LOOK_CLASS, type LookClass, type LookFailure } from '../../src/scheduler/look-scheduler.js';
import { openStateStore, type StateStore } from '../../src/state/store.js';
import { Watcher } from '../../src/tracking/watcher.js';
import { waitFor } from '../support/cli.js';

/** A source whose looks do what the test says: succeed, or throw the error given for the key. */
class ScriptedSource implements WatchingSource {
  readonly looked: string[] = [];
  readonly failures: { key: string; failure: LookFailure }[] = [];
  readonly failWith = new Map<string, BridgeError>();
  /** What onLookFailure answers. */
  retryIn: LookClass | null = LOOK_CLASS.routine;
  idle = false;
  readonly ctx: SourceContext;
  readonly #keys: string[];

  constructor(ctx: SourceContext, keys: string[]) {
    this.ctx = ctx;
    this.#keys = keys;
  }

  start(): void {
    for (const key of this.#keys) this.ctx.looks.schedule(key, 0, LOOK_CLASS.active);
  }

  look(key: string): Promise<void> {
    this.looked.push(key);
    const error = this.failWith.get(key);
    if (error) {
      this.failWith.delete(key);
      return Promise.reject(error);
    }
    return Promise.resolve();
  }

  onLookFailure(key: string, _error: unknown, failure: LookFailure): LookClass | null {
    this.failures.push({ key, failure });
    return this.retryIn;
  }

  isIdle(): boolean {
    return this.idle;
  }

  summary(): Record<string, number> {
    return { units: this.#keys.length };
  }

  progress(): { tracked: number; active: number } {
    return { tracked: this.#keys.length, active: this.idle ? 0 : 1 };
  }

  deletions(): Record<string, number> {
    return { thing: 1 };
  }

  describe(key: string): Record<string, string> {
    return { key };
  }
}

function registration(name: string, keys: string[], made: Map<string, ScriptedSource>): SourceRegistration {
  return {
    name,
    metrics: [],
    watch: (ctx) => {
      const source = new ScriptedSource(ctx, keys);
      made.set(name, source);
      return source;
    },
  };
}

let watcher: Watcher | undefined;
let store: StateStore | undefined;

afterEach(async () => {
  await watcher?.shutdown();
  await store?.shutdown();
  watcher = store = undefined;
});

function startWatcher(sources: SourceRegistration[], fatal: BridgeError[] = []): Watcher {
  const config = resolveConfig({ flags: {}, env: { OPENAI_API_KEY: 'sk-test' } });
  config.watch = { ...config.watch, activeIntervalMs: 20, maxWaitIntervalMs: 40 };
  store = openStateStore(':memory:');
  watcher = new Watcher({
    config,
    store,
    sources,
    fetch,
    log: createLogger({ level: 'silent', format: 'json' }),
    onCommitted: () => undefined,
    onFatal: (error) => fatal.push(error),
  });
  watcher.start();
  return watcher;
}

describe('the generic watch loop', () => {
  it('routes each look to the source that scheduled it, even when two sources use the same key', async () => {
    const made = new Map<string, ScriptedSource>();
    const w = startWatcher([registration('one', ['a', 'b'], made), registration('two', ['a'], made)]);
    await waitFor(() => (made.get('one')?.looked.length ?? 0) >= 2 && (made.get('two')?.looked.length ?? 0) >= 1, 'every first look');
    expect(made.get('one')?.looked.sort()).toEqual(['a', 'b']);
    expect(made.get('two')?.looked).toEqual(['a']);
    expect(w.counters.polls).toBe(3);
  });

  it('counts a failed look and retries it in the class its source says', async () => {
    const made = new Map<string, ScriptedSource>();
    const w = startWatcher([
      {
        ...registration('one', ['a'], made),
        watch: (ctx) => {
          const s = new ScriptedSource(ctx, ['a']);
          s.failWith.set('a', new BridgeError('transient', 'the API said 503'));
          made.set('one', s);
          return s;
        },
      },
    ]);
    await waitFor(() => (made.get('one')?.looked.length ?? 0) >= 2, 'the retried look');
    const one = made.get('one');
    expect(one?.failures).toHaveLength(1);
    expect(one?.failures[0]?.failure.meaning).toBe('transient');
    expect(one?.failures[0]?.failure.failures).toBe(1);
    expect(w.counters.transientErrors).toBe(1);
    expect(w.counters.lastError).toBe('the API said 503');
  });

  it('lets a gone unit go when its source says so, without counting an error', async () => {
    const made = new Map<string, ScriptedSource>();
    const w = startWatcher([
      {
        ...registration('one', ['a', 'b'], made),
        watch: (ctx) => {
          const s = new ScriptedSource(ctx, ['a', 'b']);
          s.failWith.set('a', new BridgeError('gone', 'deleted'));
          s.retryIn = null;
          made.set('one', s);
          return s;
        },
      },
    ]);
    await waitFor(() => (made.get('one')?.failures.length ?? 0) >= 1 && w.counters.polls >= 1, 'the failed and the good look');
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(made.get('one')?.looked.filter((k) => k === 'a')).toEqual(['a']);
    expect(w.counters.transientErrors).toBe(0);
    expect(w.counters.lastError).toBeNull();
  });

  it('stops at a fatal error and hands it to the owner', async () => {
    const made = new Map<string, ScriptedSource>();
    const fatal: BridgeError[] = [];
    startWatcher(
      [
        {
          ...registration('one', ['a'], made),
          watch: (ctx) => {
            const s = new ScriptedSource(ctx, ['a']);
            s.failWith.set('a', new BridgeError('fatal', 'the key was refused'));
            made.set('one', s);
            return s;
          },
        },
      ],
      fatal,
    );
    await waitFor(() => fatal.length > 0, 'the fatal error');
    expect(fatal[0]?.message).toBe('the key was refused');
    expect(made.get('one')?.failures).toHaveLength(0);
  });

  it('is idle only when every source is, and adds up their progress and deletions', async () => {
    const made = new Map<string, ScriptedSource>();
    const w = startWatcher([registration('one', ['a', 'b'], made), registration('two', ['c'], made)]);
    await waitFor(() => w.counters.polls >= 3, 'every first look');
    expect(w.isIdle()).toBe(false);
    made.get('one')!.idle = true;
    expect(w.isIdle()).toBe(false);
    made.get('two')!.idle = true;
    expect(w.isIdle()).toBe(true);
    expect(w.progress()).toEqual({ tracked: 3, active: 0 });
    expect(w.deletions()).toEqual({ thing: 2 });
    expect(w.source('two')).toBe(made.get('two'));
  });
});
