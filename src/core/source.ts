// The seam between the core and a source. A source owns its units (what is tracked, how it is
// registered and discovered), its looks, its pure mapping, its cursor, its dedupe keys and its
// metric catalog; the core gives every source the same request budget, look scheduler, state
// file, outbox, control address, CLI and config vocabulary, and `--exit-when-idle`. The core
// names no source's objects: it iterates the registrations in src/sources/registry.ts.
import type { Command } from 'commander';
import type { Logger } from 'pino';
import type { ApiConfig, BridgeConfig } from '../config/types.js';
import type { Route } from '../control/router.js';
import type { MetricSpec } from '../metrics/catalog.js';
import type { LookClass, LookFailure } from '../scheduler/look-scheduler.js';
import type { StateStore } from '../state/store.js';
import type { WebhookHandler } from '../webhooks/handler.js';
import type { SpanRecord } from './span-record.js';

/** The looks of one source: keys are the source's own (the core keeps sources' keys apart). */
export interface SourceLooks {
  /** Looks at `key` in `delayMs` in class `cls` (moving it there if it was due otherwise). */
  schedule(key: string, delayMs: number, cls: LookClass): void;
  /** Makes the look at `key` happen within `delayMs`, never later than it was due, in the more urgent class. */
  hasten(key: string, delayMs: number, cls: LookClass): void;
  remove(key: string): void;
  isInFlight(key: string): boolean;
}

/** What the core hands a source when a watch starts. */
export interface SourceContext {
  readonly config: BridgeConfig;
  /** The source's settings as its registration resolved them (`config.sources[name]`). */
  readonly settings: unknown;
  readonly log: Logger;
  /** Every request through the one budget: its route label and priority class in the `x-budget-*` headers. */
  readonly fetch: typeof fetch;
  readonly looks: SourceLooks;
  /** The state file: units, cursors, emitted keys, and `commit` (one transaction per look). */
  readonly store: StateStore;
  /** Spans were committed: wakes the outbox drain. */
  readonly onCommitted: () => void;
  /** Unix seconds, whole. */
  readonly nowSeconds: () => number;
}

/** A source at work in one `watch`. */
export interface WatchingSource {
  /** Loads the units the state file tracks (and those the settings name) and schedules their first looks; once. */
  start(): void;
  /** One look at `key`; a rejection is a failed look, retried on the scheduler's backoff. */
  look(key: string): Promise<void>;
  /**
   * A look failed (never fatally): the class to look again in after `failure.retryMs`, or null
   * to let the key go (its unit is gone). The core has counted and logged it unless `gone`.
   */
  onLookFailure(key: string, error: unknown, failure: LookFailure): LookClass | null;
  /** Nothing of this source's is unfinished: every unit settled and no look pending that could find more. */
  isIdle(): boolean;
  /** Tracked units by kind, for the start line and debug logs (e.g. `{ runs: 3, threads: 1 }`). */
  summary(): Record<string, number>;
  /** The units of work it traces (runs, sessions, responses): how many are tracked, and how many of them are unfinished. */
  progress(): { tracked: number; active: number };
  /** Units the API said are gone since the start, by object (the `upstream_deletions` metric). */
  deletions(): Record<string, number>;
  /** Describes the key for a log line (e.g. `{ runId }`). */
  describe(key: string): Record<string, string>;
  /** What the source holds, for debug logs. */
  snapshot?(): Record<string, unknown>;
}

/** A flag or config key a source adds, for the error lines that name a setting by its flag. */
export interface SettingName {
  /** The config file key, e.g. `watch.agent_sessions`. */
  key: string;
  /** The flag, e.g. `--agent-session`. */
  flag: string;
  /** It names a discovery (every unit of something, new ones included): `--since` says where it starts. */
  discovery?: boolean;
}

/**
 * A source's settings: the flags it adds to `watch`, the keys it reads under `watch:` in the
 * config file, and how the layers (file, then flags) merge. Parsers throw ConfigError naming the
 * field (the flag or the config key) so a bad value exits 2 with one line.
 */
export interface SourceSettings<S = unknown> {
  readonly defaults: S;
  readonly names: readonly SettingName[];
  /** Adds its flags to `watch`. */
  addFlags(cmd: Command): void;
  /** The settings the command line gives (commander's parsed options), only those given. */
  fromFlags(flags: Readonly<Record<string, unknown>>, source: string): Partial<S>;
  /**
   * Its keys under `watch:` in the config file, each with its parser from the value as read (YAML or
   * JSON) to what `fromFile` takes; a parser's ConfigError reason becomes the file's problem at that key.
   */
  readonly fileKeys: Readonly<Record<string, (raw: unknown) => unknown>>;
  /** The settings its keys' parsed values give (only the keys present). */
  fromFile(parsed: Readonly<Record<string, unknown>>): Partial<S>;
  /** Merges the layers (what its fromFile and fromFlags gave), lowest first, over the defaults (lists add up, scalars the highest wins). */
  merge(layers: readonly unknown[]): S;
  /** Whether these settings follow a discovery that `--since` applies to. */
  usesSince?(settings: S): boolean;
  /** Checks the merged settings against the API the bridge talks to (its profile); throws a ConfigError naming the field. */
  check?(settings: S, api: ApiConfig): void;
  /** Whether these settings name anything to watch (a unit or a discovery), for the start's "nothing given" line. */
  namesWork?(settings: S): boolean;
}

/** A saved object of this source in a file given to `import`. */
export interface ImportPlace {
  file: string;
  /** The JSONL line; absent for a JSON document. */
  line?: number;
}

/**
 * Reads saved objects for `import` and maps them as watching would. The core reads the files
 * (src/core/import-input.ts) and hands each top-level value, a document or a JSONL line, to the
 * first registered importer that accepts it.
 */
export interface SourceImporter {
  /** What it reads, for `--help` and the line that names a value no importer takes, e.g. `Agents API session traces`. */
  readonly reads: string;
  /** Whether a parsed top-level value (a document, or one JSONL line) is this source's. */
  accepts(value: unknown): boolean;
  /**
   * Keeps one accepted value; throws when it is not what it claims: a ValueProblem (the path inside
   * the value and what is wrong there; the core names the file and line) or an InputError.
   */
  add(value: unknown, where: ImportPlace): void;
  /**
   * What was kept, mapped: span records unit by unit. Called for every importer once all files
   * are read and before anything is exported, so a problem only the whole input shows (a step
   * whose run is in no file) throws here and nothing goes out; the mapping itself may be lazy.
   * What it forwards with parts left out (as a watch would) it says on `log`, counts only.
   */
  spans(config: BridgeConfig, nowSeconds: number, log: Logger): Iterable<SpanRecord[]>;
  /** Counts for the summary line, e.g. `{ sessions: 2, traces: 5 }`. */
  counts(): Record<string, number>;
}

/** How `trace-id ID` finds the trace of one of a source's objects. */
export interface SourceTraceIds {
  /** The ids it claims, for the line that names an id no source claims, e.g. `turn ids (turn_...)`. */
  readonly describes: string;
  /** Whether `id` looks like one of its objects' ids (e.g. starts with `turn_`). */
  claims(id: string): boolean;
  /**
   * The trace id: from the state file (read only, through src/state) when it is known there, else
   * derived; a note when unsure. `statePath` null: no state file to read (the note says why, from `noState`).
   */
  traceId(id: string, statePath: string | null, noState: string): { traceId: string; note?: string };
}

/** One source, registered once in src/sources/registry.ts. */
export interface SourceRegistration<S = unknown> {
  /** The `source` column of its units and the key prefix of its looks. */
  readonly name: string;
  /** Every metric its observations may name: its own and the shared gen_ai.client.* ones it records into. */
  readonly metrics: readonly MetricSpec[];
  readonly settings?: SourceSettings<S>;
  /** The source at work in a watch, or null when it has nothing to watch now or later (no units, no settings). */
  watch?(ctx: SourceContext): WatchingSource;
  /** Its control routes (add, list, remove its units), served on the listen address. */
  controlRoutes?(watching: WatchingSource, store: StateStore, log: Logger): Route[];
  /**
   * Whether it may register webhook handlers against this API, asked before the state file is
   * locked so webhook settings no source can use are refused first; absent: whenever it has `webhooks`.
   */
  takesWebhooks?(api: ApiConfig): boolean;
  /** Its webhook handlers, for a source told of new work rather than asking (none: no intake is started for it). */
  webhooks?(watching: WatchingSource, log: Logger): WebhookHandler[];
  readonly importer?: () => SourceImporter;
  readonly traceIds?: SourceTraceIds;
}
