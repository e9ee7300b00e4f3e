// The state file's layout. `application_id` marks the file as ours; `user_version` is the schema
// version, and MIGRATIONS[v] takes a file from version v to v + 1 (MIGRATIONS[0] creates it).

/** "AOTB" (assistants-otel-bridge) as a 32-bit big-endian integer. */
export const APPLICATION_ID = 0x414f5442;

/** Where a tracked unit came from, as users see it. Schema 1 knew the first six. */
export const ORIGINS = ['cli', 'config', 'control', 'thread', 'library', 'import', 'discovery', 'webhook'] as const;

const check = (origins: readonly string[]): string => origins.map((o) => `'${o}'`).join(', ');
const originCheck = check(ORIGINS.slice(0, 6));

// STRICT tables: a value of the wrong type is an error inside the transaction, never a silent
// conversion, so a bad commit rolls back whole.
const V1 = `
CREATE TABLE tracked_runs (
  run_id TEXT PRIMARY KEY NOT NULL,
  thread_id TEXT NOT NULL,
  origin TEXT NOT NULL CHECK (origin IN (${originCheck})),
  added_at INTEGER NOT NULL,
  status TEXT,
  terminal INTEGER NOT NULL DEFAULT 0 CHECK (terminal IN (0, 1)),
  run_span_emitted INTEGER NOT NULL DEFAULT 0 CHECK (run_span_emitted IN (0, 1)),
  cursor_step_id TEXT,
  latest_step_end REAL,
  frozen_context TEXT,
  removed INTEGER NOT NULL DEFAULT 0 CHECK (removed IN (0, 1))
) STRICT;
-- Runs still being polled, in the order they were added.
CREATE INDEX tracked_runs_active ON tracked_runs (terminal) WHERE removed = 0;

CREATE TABLE emitted_steps (
  run_id TEXT NOT NULL,
  step_id TEXT NOT NULL,
  PRIMARY KEY (run_id, step_id)
) STRICT, WITHOUT ROWID;

CREATE TABLE tracked_threads (
  thread_id TEXT PRIMARY KEY NOT NULL,
  origin TEXT NOT NULL CHECK (origin IN (${originCheck})),
  added_at INTEGER NOT NULL,
  last_run_id TEXT
) STRICT;

-- AUTOINCREMENT: a seq is never reused, so an ack for an old seq can never delete a newer row.
CREATE TABLE outbox (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  trace_id TEXT NOT NULL,
  span_id TEXT NOT NULL,
  run_id TEXT NOT NULL,
  enqueued_at INTEGER NOT NULL,
  span TEXT NOT NULL,
  UNIQUE (trace_id, span_id)
) STRICT;

CREATE TABLE dead_letters (
  seq INTEGER PRIMARY KEY,
  trace_id TEXT NOT NULL,
  span_id TEXT NOT NULL,
  run_id TEXT NOT NULL,
  enqueued_at INTEGER NOT NULL,
  span TEXT NOT NULL,
  reason TEXT NOT NULL,
  status_code INTEGER,
  dead_at INTEGER NOT NULL
) STRICT;
CREATE INDEX dead_letters_by_time ON dead_letters (dead_at);

CREATE TABLE metric_totals (
  name TEXT NOT NULL,
  labels TEXT NOT NULL,
  value REAL NOT NULL,
  PRIMARY KEY (name, labels)
) STRICT, WITHOUT ROWID;

CREATE TABLE meta (
  key TEXT PRIMARY KEY NOT NULL,
  value TEXT NOT NULL
) STRICT, WITHOUT ROWID;
`;

// One outbox row per commit instead of one per span: a run's commit writes one row of its spans
// (a JSON array; an entry becomes null once acknowledged) rather than a row and a unique-index
// entry per span, which was most of the cost of a commit. Waiting rows move over in order, one
// span each. New rows are numbered past every seq the old table or the dead letters used, so the
// per-span addresses derived from them (seq x OUTBOX_ROW_SLOTS + index) never meet an old one.
const V2 = `
ALTER TABLE outbox RENAME TO outbox_v1;
CREATE TABLE outbox (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  run_id TEXT NOT NULL,
  enqueued_at INTEGER NOT NULL,
  -- Entries in spans, and those not yet acknowledged: a row with waiting = size was never
  -- acknowledged in part, so acking all its spans deletes it without reading it.
  size INTEGER NOT NULL CHECK (size > 0),
  waiting INTEGER NOT NULL CHECK (waiting > 0 AND waiting <= size),
  spans TEXT NOT NULL
) STRICT;
INSERT INTO sqlite_sequence (name, seq)
  SELECT 'outbox', coalesce(max(s), 0) FROM (
    SELECT seq AS s FROM sqlite_sequence WHERE name = 'outbox_v1'
    UNION ALL SELECT seq FROM outbox_v1
    UNION ALL SELECT seq FROM dead_letters);
INSERT INTO outbox (run_id, enqueued_at, size, waiting, spans)
  SELECT run_id, enqueued_at, 1, 1, '[' || span || ']' FROM outbox_v1 ORDER BY seq;
DROP TABLE outbox_v1;
`;

// Whether a step of the run reported token usage: a run's own usage is counted only when none
// did (services whose steps carry no usage), and the steps may come over many commits. Runs
// with steps already emitted may have counted step tokens before this column existed, so they
// start marked: never both, at worst a run in flight during the upgrade misses its run total.
const V3 = `
ALTER TABLE tracked_runs ADD COLUMN step_usage_seen INTEGER NOT NULL DEFAULT 0 CHECK (step_usage_seen IN (0, 1));
UPDATE tracked_runs SET step_usage_seen = 1 WHERE EXISTS (SELECT 1 FROM emitted_steps e WHERE e.run_id = tracked_runs.run_id);
`;

// Which version of the span record an outbox row or a dead letter holds (record-format.ts): rows
// written before nanosecond times are format 1 and are upgraded as they are read, so spans waiting
// in a file from an earlier version go out exactly as that version would have sent them.
const V4 = `
ALTER TABLE outbox ADD COLUMN format INTEGER NOT NULL DEFAULT 1;
ALTER TABLE dead_letters ADD COLUMN format INTEGER NOT NULL DEFAULT 1;
`;

// Units of any source in one registry, and "already emitted" as a set of dedupe keys per unit. Every
// row moves over: a schema-4 run becomes an 'assistants' unit of kind 'run' whose cursor is the
// JSON of its step cursor, latest step end and usage flag; a thread keeps its runs cursor the
// same way; an emitted step becomes the key of its step id, and a run whose own span was
// committed the key of its run id (the key its span carries). Outbox rows and dead letters name
// their unit. Origins stay the words they were; the list allows more for sources to come.
const V5 = `
CREATE TABLE tracked_units (
  source TEXT NOT NULL,
  kind TEXT NOT NULL,
  id TEXT NOT NULL,
  parent TEXT,
  origin TEXT NOT NULL CHECK (origin IN (${check(ORIGINS)})),
  added_at INTEGER NOT NULL,
  status TEXT,
  terminal INTEGER NOT NULL DEFAULT 0 CHECK (terminal IN (0, 1)),
  removed INTEGER NOT NULL DEFAULT 0 CHECK (removed IN (0, 1)),
  -- The source's own JSON: where polling resumes, and the context first seen.
  cursor TEXT,
  frozen TEXT,
  PRIMARY KEY (source, kind, id)
) STRICT;
-- Units still being polled, in the order they were added (rowid).
CREATE INDEX tracked_units_active ON tracked_units (source, kind, terminal) WHERE removed = 0;

CREATE TABLE emitted_keys (
  source TEXT NOT NULL,
  unit TEXT NOT NULL,
  key TEXT NOT NULL,
  PRIMARY KEY (source, unit, key)
) STRICT, WITHOUT ROWID;

INSERT INTO tracked_units (source, kind, id, parent, origin, added_at, status, terminal, removed, cursor, frozen)
  SELECT 'assistants', 'run', run_id, thread_id, origin, added_at, status, terminal, removed,
    json_object('stepId', cursor_step_id, 'latestStepEnd', latest_step_end, 'stepUsageSeen', json(CASE WHEN step_usage_seen THEN 'true' ELSE 'false' END)),
    frozen_context
  FROM tracked_runs ORDER BY rowid;
INSERT INTO tracked_units (source, kind, id, origin, added_at, cursor)
  SELECT 'assistants', 'thread', thread_id, origin, added_at, json_object('lastRunId', last_run_id) FROM tracked_threads ORDER BY rowid;
INSERT INTO emitted_keys (source, unit, key) SELECT 'assistants', run_id, step_id FROM emitted_steps;
INSERT OR IGNORE INTO emitted_keys (source, unit, key) SELECT 'assistants', run_id, run_id FROM tracked_runs WHERE run_span_emitted = 1;

DROP TABLE emitted_steps;
DROP TABLE tracked_threads;
DROP TABLE tracked_runs;
ALTER TABLE outbox RENAME COLUMN run_id TO unit;
ALTER TABLE dead_letters RENAME COLUMN run_id TO unit;
`;

// The webhook intake's replay ledger: the ids of deliveries already accepted, so one sent again
// does nothing twice (src/state/webhook-ledger.ts bounds it by age and by a row cap).
const V6 = `
CREATE TABLE webhook_deliveries (
  webhook_id TEXT PRIMARY KEY NOT NULL,
  received_at INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
CREATE INDEX webhook_deliveries_by_time ON webhook_deliveries (received_at);
`;

/** Spans one outbox row holds at most; a span's address is its row's seq x this + its index. */
export const OUTBOX_ROW_SLOTS = 4096;

export const MIGRATIONS: readonly string[] = [V1, V2, V3, V4, V5, V6];

export const SCHEMA_VERSION = MIGRATIONS.length;

/** Tables of the current schema (SQLite's own `sqlite_*` tables aside). */
export const TABLES: readonly string[] = [
  'tracked_units',
  'emitted_keys',
  'outbox',
  'dead_letters',
  'metric_totals',
  'meta',
  'webhook_deliveries',
];
