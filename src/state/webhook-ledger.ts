// The replay ledger of the webhook intake: which deliveries (by webhook id) were already accepted,
// so a delivery sent again does nothing twice. Bounded twice over: rows older than the senders'
// retry window are pruned, and beyond a row cap the oldest go first. Forgetting an id costs at
// most a repeated `accept`, which handlers keep harmless (tracking a tracked unit changes nothing).
import type { DatabaseSync, StatementSync } from 'node:sqlite';
import { num } from './sql-values.js';

export interface WebhookLedgerBounds {
  /** Rows older than this (ms before the newest record) are pruned. */
  maxAgeMs: number;
  /** Most rows kept; the oldest are pruned beyond it. */
  maxRows: number;
}

/**
 * Senders retry a delivery for up to three days (OpenAI, Standard Webhooks senders); a week
 * keeps every id a retry can carry. The cap bounds the file under a flood: about 15 MB.
 */
export const DEFAULT_WEBHOOK_LEDGER_BOUNDS: WebhookLedgerBounds = { maxAgeMs: 7 * 24 * 3600_000, maxRows: 200_000 };

/** How the ledger runs its writes: in one transaction of the store, refused once the store is closed. */
export interface LedgerAccess {
  write<T>(fn: () => T): T;
  read<T>(fn: () => T): T;
}

export class WebhookLedger {
  readonly bounds: WebhookLedgerBounds;
  readonly #access: LedgerAccess;
  readonly #sql: { seen: StatementSync; insert: StatementSync; pruneOld: StatementSync; pruneOldest: StatementSync; count: StatementSync };
  /** Rows in the table, kept in step with committed writes (one store per file, held by its lock). */
  #rows: number | null = null;

  constructor(db: DatabaseSync, access: LedgerAccess, bounds: Partial<WebhookLedgerBounds> = {}) {
    this.bounds = { ...DEFAULT_WEBHOOK_LEDGER_BOUNDS, ...bounds };
    const { maxAgeMs, maxRows } = this.bounds;
    if (!(maxAgeMs > 0) || !Number.isInteger(maxRows) || maxRows < 1)
      throw new RangeError(`webhook ledger bounds must be positive (maxAgeMs ${maxAgeMs}, maxRows ${maxRows})`);
    this.#access = access;
    this.#sql = {
      seen: db.prepare('SELECT 1 FROM webhook_deliveries WHERE webhook_id = ?'),
      insert: db.prepare('INSERT INTO webhook_deliveries (webhook_id, received_at) VALUES (?, ?) ON CONFLICT (webhook_id) DO NOTHING'),
      pruneOld: db.prepare('DELETE FROM webhook_deliveries WHERE received_at < ?'),
      pruneOldest: db.prepare(
        `DELETE FROM webhook_deliveries WHERE webhook_id IN
           (SELECT webhook_id FROM webhook_deliveries ORDER BY received_at, webhook_id LIMIT ?)`,
      ),
      count: db.prepare('SELECT count(*) AS n FROM webhook_deliveries'),
    };
  }

  /** Whether a delivery with this id was recorded (and not yet pruned). */
  seen(webhookId: string): boolean {
    return this.#access.read(() => this.#sql.seen.get(webhookId) !== undefined);
  }

  /** Records an accepted delivery received at `atMs` (epoch ms), pruning what the bounds let go, in one transaction. */
  record(webhookId: string, atMs: number): void {
    const at = Math.floor(atMs);
    const rows = this.#access.write(() => {
      let n = this.#rows ?? num(this.#sql.count.get()?.n);
      n += Number(this.#sql.insert.run(webhookId, at).changes);
      n -= Number(this.#sql.pruneOld.run(at - this.bounds.maxAgeMs).changes);
      if (n > this.bounds.maxRows) n -= Number(this.#sql.pruneOldest.run(n - this.bounds.maxRows).changes);
      return n;
    });
    // Only a committed write moves the count; a rolled-back one leaves it as the file has it.
    this.#rows = rows;
  }

  /** Rows held now. */
  size(): number {
    return this.#access.read(() => num(this.#sql.count.get()?.n));
  }
}
