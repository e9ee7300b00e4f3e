// Sends signed webhooks for background responses as they end, to one configured URL, and retries
// a delivery that gets no 2xx (a network error, a timeout, a redirect or any other status) on the
// Standard Webhooks example schedule (5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h, 24 h apart)
// cut at the 72 h OpenAI retries for. On request it also sends forged, stale and replayed deliveries.
import { randomBytes } from 'node:crypto';
import { sleep } from '../../../core/timing.js';
import type { ResponseState } from '../state.js';
import { endOf, terminalStatusOf } from '../timeline.js';
import type { ResponsesWorld } from '../world.js';
import { DEFAULT_WEBHOOK_SECRET, forgedSignature, signature } from './signing.js';

export interface RetrySchedule {
  /** The wait before the 2nd, 3rd, ... attempt; none left, no more attempts. */
  delaysMs: number[];
  /** No attempt starts later than this after the first one. */
  maxElapsedMs: number;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
export const DEFAULT_RETRY: RetrySchedule = {
  delaysMs: [5_000, 5 * MINUTE, 30 * MINUTE, 2 * HOUR, 5 * HOUR, 10 * HOUR, 14 * HOUR, 20 * HOUR, 24 * HOUR],
  maxElapsedMs: 72 * HOUR,
};

export interface WebhookConfig {
  /** Where events go; null sends nothing. */
  url: string | null;
  secret: string;
  /** How long one attempt waits for an answer. */
  timeoutMs: number;
  retry: RetrySchedule;
}

/** The answer timeout is the low end of what Standard Webhooks recommends (15 to 30 s). */
export const DEFAULT_WEBHOOK_CONFIG: WebhookConfig = { url: null, secret: DEFAULT_WEBHOOK_SECRET, timeoutMs: 15_000, retry: DEFAULT_RETRY };

/** `signed`: the event signed now (the sender's own attempts); the others are on request only. */
export type DeliveryMode = 'signed' | 'forged' | 'stale' | 'replay';

export interface DeliveryRecord {
  webhookId: string;
  eventId: string;
  type: string;
  responseId: string;
  mode: DeliveryMode;
  /** 1 for the first attempt of an event, counting every delivery of it. */
  attempt: number;
  /** Wall clock, ms. */
  sentAt: number;
  /** The webhook-timestamp header (wall clock seconds). */
  timestamp: number;
  /** The receiver's HTTP status; null when none came. */
  status: number | null;
  error: string | null;
  /** Wall clock ms of the next automatic attempt, or null when none follows. */
  nextAttemptAt: number | null;
}

interface WebhookEvent {
  webhookId: string;
  eventId: string;
  type: string;
  responseId: string;
  body: string;
  attempts: number;
  /** The exact request last sent, for replays. */
  last: { headers: Record<string, string>; body: string } | null;
}

const USER_AGENT = 'OpenAI/1.0 (+https://platform.openai.com/docs/webhooks)';
const MAX_RECORDS = 10_000;
const SCAN_INTERVAL_MS = 100;

/** The wait before attempt `attempt + 1` once attempt number `attempt` failed; null when none follows. */
export function retryDelay(attempt: number, retry: RetrySchedule): number | null {
  return retry.delaysMs[attempt - 1] ?? null;
}

export class WebhookDispatcher {
  private config: WebhookConfig = structuredClone(DEFAULT_WEBHOOK_CONFIG);
  /** World second from which ended responses are announced (those before ended before anyone listened). */
  private since = Infinity;
  private readonly events = new Map<string, WebhookEvent>();
  private readonly records: DeliveryRecord[] = [];
  private readonly inFlight = new Set<Promise<void>>();
  private readonly closed = new AbortController();
  private timer: NodeJS.Timeout | null = null;
  private started = false;

  constructor(
    private readonly world: ResponsesWorld,
    private readonly wallClockMs: () => number = Date.now,
  ) {}

  get(): WebhookConfig {
    return structuredClone(this.config);
  }

  /** Applies a (checked) config; from now on, background responses that end are announced. */
  configure(config: WebhookConfig): void {
    const wasOff = this.config.url === null;
    this.config = structuredClone(config);
    if (config.url === null) {
      this.stopTimer();
      this.since = Infinity;
      return;
    }
    if (wasOff) this.since = this.world.now();
    this.startTimer();
  }

  /** Scans for ended responses from now on (when a URL is set); configured before, it waits for this. */
  start(): void {
    if (this.started) return;
    this.started = true;
    this.startTimer();
  }

  deliveries(): DeliveryRecord[] {
    return this.records.map((r) => ({ ...r }));
  }

  clearDeliveries(): void {
    this.records.length = 0;
  }

  /** Deliveries sending now or waiting to retry. */
  pending(): number {
    return this.inFlight.size;
  }

  /** Announces every background response that ended since the last look. */
  scan(): void {
    if (this.config.url === null || this.closed.signal.aborted) return;
    const now = this.world.now();
    for (const r of this.world.backgroundEnded(this.since, now)) {
      if (this.events.has(r.id)) continue;
      // Not awaited here: shutdown() waits for it among the deliveries in flight.
      void this.track(this.deliverWithRetries(this.eventFor(r)));
    }
  }

  /** One delivery on request; null when the response has not ended (or, for a replay, was never sent). */
  async send(r: ResponseState, mode: DeliveryMode, ageSeconds = 600): Promise<DeliveryRecord | null> {
    if (endOf(r) > this.world.now()) return null;
    const known = this.events.get(r.id);
    if (mode === 'replay' && !known?.last) return null;
    const work = this.attempt(known ?? this.eventFor(r), mode, ageSeconds);
    await this.track(work.then(() => undefined));
    return work;
  }

  /** Stops scanning and aborts deliveries under way; resolves once they have settled. */
  async shutdown(): Promise<void> {
    this.stopTimer();
    this.closed.abort();
    await Promise.allSettled([...this.inFlight]);
  }

  private startTimer(): void {
    if (!this.started || this.closed.signal.aborted || this.config.url === null) return;
    this.timer ??= setInterval(() => this.scan(), SCAN_INTERVAL_MS);
    this.timer.unref();
  }

  private stopTimer(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  private track(work: Promise<void>): Promise<void> {
    this.inFlight.add(work);
    return work.finally(() => this.inFlight.delete(work));
  }

  private eventFor(r: ResponseState): WebhookEvent {
    const type = `response.${terminalStatusOf(r)}`;
    const eventId = `evt_${randomBytes(16).toString('hex')}`;
    const body = JSON.stringify({ id: eventId, object: 'event', created_at: endOf(r), type, data: { id: r.id } });
    const event: WebhookEvent = {
      webhookId: `wh_${randomBytes(16).toString('hex')}`,
      eventId,
      type,
      responseId: r.id,
      body,
      attempts: 0,
      last: null,
    };
    this.events.set(r.id, event);
    return event;
  }

  private async deliverWithRetries(event: WebhookEvent): Promise<void> {
    const first = this.wallClockMs();
    for (let attempt = 1; !this.closed.signal.aborted; attempt++) {
      const record = await this.attempt(event, 'signed');
      if (record.status !== null && record.status >= 200 && record.status < 300) return;
      const delay = retryDelay(attempt, this.config.retry);
      if (delay === null || this.config.url === null) return;
      const at = this.wallClockMs() + delay;
      if (at - first > this.config.retry.maxElapsedMs) return;
      record.nextAttemptAt = at;
      await sleep(delay, this.closed.signal);
    }
  }

  private async attempt(event: WebhookEvent, mode: DeliveryMode, ageSeconds = 600): Promise<DeliveryRecord> {
    const sentAt = this.wallClockMs();
    const nowSeconds = Math.floor(sentAt / 1000);
    let headers: Record<string, string>;
    let body = event.body;
    if (mode === 'replay' && event.last) {
      ({ headers, body } = event.last);
    } else {
      const timestamp = mode === 'stale' ? nowSeconds - ageSeconds : nowSeconds;
      const sig =
        mode === 'forged'
          ? forgedSignature(event.webhookId, timestamp, body)
          : signature(this.config.secret, event.webhookId, timestamp, body);
      headers = {
        'content-type': 'application/json',
        'user-agent': USER_AGENT,
        'webhook-id': event.webhookId,
        'webhook-timestamp': String(timestamp),
        'webhook-signature': sig,
      };
    }
    if (mode === 'signed') event.last = { headers, body };
    event.attempts += 1;
    const record: DeliveryRecord = {
      webhookId: event.webhookId,
      eventId: event.eventId,
      type: event.type,
      responseId: event.responseId,
      mode,
      attempt: event.attempts,
      sentAt,
      timestamp: Number(headers['webhook-timestamp']),
      status: null,
      error: null,
      nextAttemptAt: null,
    };
    this.records.push(record);
    if (this.records.length > MAX_RECORDS) this.records.shift();
    const url = this.config.url;
    if (url === null) {
      record.error = 'no webhook URL configured';
      return record;
    }
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers,
        body,
        redirect: 'manual',
        signal: AbortSignal.any([this.closed.signal, AbortSignal.timeout(this.config.timeoutMs)]),
      });
      record.status = res.status;
      await res.arrayBuffer().catch(() => undefined);
    } catch (error) {
      record.error = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    }
    return record;
  }
}
