// One look at a Foundry agent's responses: the list requests it needs, and one commit of what they
// showed (span records and metric observations of the responses found finished, the unfinished
// ones handed over to be followed on their own, the next cursor) for the core to write in one
// transaction. Mapping is pure (map-response.ts, metrics.ts); agent-cursor.ts says where the list
// is read from and why.
//
// A look reads at most `pagesPerLook` pages, each one request: oldest first after the anchor (or on
// from where the last look stopped), or newest first while reading back. It first reads, then deals
// with what it read oldest first, so a response's `previous_response_id` link finds a response read
// in the same look whichever order the pages came in.
import { BridgeError, EXIT, meaningOf } from '../../core/errors.js';
import type { MetricObservation } from '../../core/observation.js';
import type { SpanRecord } from '../../core/span-record.js';
import { parseTraceparent } from '../../mapping/ids.js';
import { RequestRefused } from '../../api/errors.js';
import {
  advanceWindow,
  cutoffOf,
  isListedToEnd,
  isPlainId,
  linkedFromWindow,
  newAgentCursor,
  newReadBack,
  readAgentCursor,
  seenKey,
  stableByTime,
  type AgentCursor,
  type ListMark,
  type ReadBack,
  type SeenResponse,
} from './agent-cursor.js';
import type { FoundryResponsesApi, ListPage } from './client.js';
import { freezeResponseContext, type ResponseContext } from './context.js';
import type { LinkedResponseContext } from './links.js';
import type { AgentPace } from './look-policy.js';
import { mapResponseTrace } from './map-response.js';
import { isResponseTerminal, readResponse, type ResponsePayload } from './payload.js';
import { cursorOf, traceFinished, type TrackResponse } from './response-unit.js';
import type { ResponsesLookSettings } from './settings.js';

export interface AgentLookInput {
  agentName: string;
  /** The unit's cursor as last committed (opaque JSON); null before the first look. */
  cursor: unknown;
  /** For a first look: the start point (--since, else when the agent was added). Later looks keep the recorded one. */
  sinceSeconds: number;
  /** The bridge's clock, Unix seconds. */
  nowSeconds: number;
}

export interface AgentLookDeps {
  api: Pick<FoundryResponsesApi, 'listAgentResponses'>;
  settings: ResponsesLookSettings;
}

/** What the core writes in one transaction. */
export interface AgentCommit {
  /** The agent's name. */
  unit: string;
  /** Records of the responses found finished, each with its dedupe key. */
  spans: SpanRecord[];
  observations: MetricObservation[];
  /** The next cursor, plain JSON (readAgentCursor reads it back). */
  cursor: AgentCursor;
  /** Responses found unfinished: units to follow from now on, as live runs are. */
  track: TrackResponse[];
  /** An agent is followed until it is untracked. */
  terminal: false;
}

export interface AgentLookReport {
  /** Finished responses traced. */
  traced: number;
  /** Unfinished responses handed over to be followed. */
  tracked: number;
  /** Created before the start point: not traced. */
  beforeStart: number;
  /** Listed again within the overlap, already dealt with. */
  alreadySeen: number;
  /** Listed after the anchor yet created no later than it: dealt with before. */
  behindAnchor: number;
  /** List items that were no response (not an object, no id). */
  notResponses: number;
  /** Unfinished responses whose id no URL can carry: traced as they stood, their end unknown. */
  tracedUnfinished: number;
  /** The anchor was no longer known (deleted): the list was read back to set a new one. */
  reanchored: boolean;
  /** A place the list was read from vanished between two looks: reading went on from the last sure one. */
  lostPlace: number;
}

export interface AgentLook {
  commit: AgentCommit;
  /** Nothing to write: no record, no unit to track, the cursor as it was. */
  unchanged: boolean;
  /** Requests made, a page each (the budgeted fetch's retries of one are not counted). */
  requests: { list: number };
  /** For the next-look decision (nextAgentLookMs). */
  pace: AgentPace;
  /** For --exit-when-idle: the list was read to its end. */
  idle: boolean;
  report: AgentLookReport;
}

/** The service has no list of responses by agent (the agent's first list answered 404): following an agent cannot work. */
export class FoundryListUnavailable extends BridgeError {
  constructor(agentName: string, cause: unknown) {
    super(
      'fatal',
      `cannot follow Foundry agent ${agentName}: this service does not list responses by agent (GET {project}/openai/v1/responses answered 404); the base URL must be an Azure AI Foundry project endpoint, https://<resource>.services.ai.azure.com/api/projects/<project>`,
      { exitCode: EXIT.usage, cause },
    );
  }
}

/**
 * A list that answered before now answers 404 from its start: the agent was deleted, as far as the
 * service says. Nothing more comes from it; responses of it already followed go on.
 */
export class FoundryAgentGone extends BridgeError {
  constructor(agentName: string, cause: unknown) {
    super('gone', `Foundry agent ${agentName}: its responses can no longer be listed (404; the agent was deleted?)`, { cause });
  }
}

export async function lookAtFoundryAgent(input: AgentLookInput, deps: AgentLookDeps): Promise<AgentLook> {
  return new Look(input, deps).run();
}

/** A page read: the responses on it in its order, and where the next page starts (null: none). */
interface PageRead {
  responses: ResponsePayload[];
  next: ListMark | null;
  ended: boolean;
}

class Look {
  readonly #input: AgentLookInput;
  readonly #api: AgentLookDeps['api'];
  readonly #settings: ResponsesLookSettings;
  readonly #stored: AgentCursor | null;
  #cursor: AgentCursor;
  #pagesLeft: number;
  #requests = 0;
  readonly #spans: SpanRecord[] = [];
  readonly #observations: MetricObservation[] = [];
  readonly #track: TrackResponse[] = [];
  /** What a previous_response_id may link to: the window's, then what this look read. */
  #linked = new Map<string, LinkedResponseContext>();
  readonly #report: AgentLookReport = {
    traced: 0,
    tracked: 0,
    beforeStart: 0,
    alreadySeen: 0,
    behindAnchor: 0,
    notResponses: 0,
    tracedUnfinished: 0,
    reanchored: false,
    lostPlace: 0,
  };

  constructor(input: AgentLookInput, deps: AgentLookDeps) {
    this.#input = input;
    this.#api = deps.api;
    this.#settings = deps.settings;
    this.#stored = readAgentCursor(input.cursor, input.agentName);
    // A copy: the look moves it as it reads, and `unchanged` compares it with what was stored.
    this.#cursor = this.#stored ? structuredClone(this.#stored) : newAgentCursor(input.sinceSeconds, input.nowSeconds);
    this.#pagesLeft = Math.max(1, Math.trunc(deps.settings.pagesPerLook));
  }

  async run(): Promise<AgentLook> {
    if (this.#cursor.back) await this.#readBack(this.#cursor.back);
    else await this.#forward();
    return this.#finish();
  }

  // ---- reading ----

  /** One page, its items parsed; a position the list no longer knows (404, 400) reads as an empty page. */
  async #page(order: 'asc' | 'desc', after: string | null): Promise<PageRead> {
    this.#pagesLeft -= 1;
    this.#requests += 1;
    let page: ListPage;
    try {
      page = await this.#api.listAgentResponses(this.#input.agentName, { order, after, limit: this.#settings.pageSize });
    } catch (error) {
      const unknownPlace = meaningOf(error) === 'gone' || error instanceof RequestRefused;
      if (after !== null && unknownPlace) return { responses: [], next: null, ended: true };
      if (meaningOf(error) !== 'gone') throw error;
      throw this.#stored === null
        ? new FoundryListUnavailable(this.#input.agentName, error)
        : new FoundryAgentGone(this.#input.agentName, error);
    }
    const responses: ResponsePayload[] = [];
    for (const item of page.items) {
      const response = readResponse(item);
      if (response === null) this.#report.notResponses += 1;
      else {
        responses.push(response);
        if (response.createdAt !== null) this.#cursor.newest = Math.max(this.#cursor.newest ?? 0, response.createdAt);
      }
    }
    // The next page starts after the last response whose id a URL can carry.
    const last = responses.findLast((r) => isPlainId(r.id));
    const next = last ? { id: last.id, at: last.createdAt } : null;
    return { responses, next, ended: !page.hasMore || next === null || next.id === after };
  }

  /**
   * Oldest first from the anchor, or on from where the last look stopped, to the end or the page
   * limit. A first page from the anchor that shows none of the window means the anchor is gone.
   */
  async #forward(): Promise<void> {
    const c = this.#cursor;
    let fromAnchor = c.resume === null;
    let after = c.resume ?? c.anchor?.id ?? null;
    const windowKeys = new Set(c.window.map((e) => e.key));
    const listed: ResponsePayload[] = [];
    let first = true;
    let resume: string | null = null;
    for (;;) {
      if (this.#pagesLeft <= 0) {
        if (listed.length === 0 && fromAnchor) {
          // Nothing read from the anchor yet: the next look starts there.
          this.#cursor = { ...c, resume: null };
          return;
        }
        resume = after;
        break;
      }
      const page = await this.#page('asc', after);
      if (first && !fromAnchor && page.responses.length === 0) {
        // Where the last look stopped is no longer in the list: read again from the anchor.
        this.#report.lostPlace += 1;
        fromAnchor = true;
        after = c.anchor?.id ?? null;
        continue;
      }
      if (first && fromAnchor && c.window.length > 0 && !page.responses.some((r) => windowKeys.has(seenKey(r.id)))) {
        this.#report.reanchored = true;
        const cutoff = cutoffOf(c, this.#settings.overlapSeconds);
        await this.#readBack(newReadBack(cutoff, cutoff));
        return;
      }
      first = false;
      listed.push(...page.responses);
      if (page.ended || page.next === null) break;
      after = page.next.id;
    }
    this.#settleForward(listed, fromAnchor, resume);
  }

  /** Deals with what a forward read listed; moves the anchor and the window; `resume`: where the next look reads on (null: the end was reached). */
  #settleForward(listed: ResponsePayload[], fromAnchor: boolean, resume: string | null): void {
    const c = this.#cursor;
    const entries = this.#deal(listed);
    const listedEntries = listed.map((r) => entries.get(seenKey(r.id))).filter((e): e is SeenResponse => e !== undefined);
    const listedKeys = new Set(listedEntries.map((e) => e.key));
    const unlisted = c.window.filter((e) => !listedKeys.has(e.key));
    // Read from the anchor to the end, the window's entries not listed are gone (deleted).
    const combined = fromAnchor ? [...listedEntries, ...(resume === null ? [] : unlisted)] : [...unlisted, ...listedEntries];
    const { anchor, window } = advanceWindow(c.anchor, unique(combined), cutoffOf(c, this.#settings.overlapSeconds));
    this.#cursor = { ...c, anchor, window, resume };
  }

  /**
   * Newest first, down to the start point (the first look) or to a new anchor, to the end or the
   * page limit. The first two responses created before the cutoff are the new window's first one
   * (the sentinel) and the new anchor; everything read before the anchor is the new window.
   */
  async #readBack(start: ReadBack): Promise<void> {
    const b: ReadBack = { ...start, read: [...start.read] };
    this.#cursor = { ...this.#cursor, back: b };
    const windowKeys = new Set<string>();
    const read: ResponsePayload[] = [];
    let first = true;
    let stopSeen = false;
    let ended = false;
    while (this.#pagesLeft > 0 && !ended && !(b.anchor !== null && stopSeen)) {
      const page = await this.#page('desc', b.after?.id ?? null);
      if (first && b.after !== null && page.responses.length === 0) {
        // The response reading stopped at vanished: start again from the newest. Until the anchor
        // was read, all that was read is in the window (known); after it, what was dealt with
        // below it is known by its time only.
        this.#report.lostPlace += 1;
        if (b.anchor !== null) {
          b.doneAbove = b.after.at;
          b.doneKeys = b.sameSecond;
        }
        b.after = null;
        continue;
      }
      first = false;
      // A first read-back's cutoff follows the newest response, known once its first page is read.
      const cutoff = (b.cutoff ??= cutoffOf(this.#cursor, this.#settings.overlapSeconds));
      for (const r of page.responses) {
        const at = r.createdAt;
        if (at !== null && at < b.stopAt) stopSeen = true;
        if (b.anchor !== null) continue;
        const below = at !== null && at < cutoff;
        if (below && b.sentinel && isPlainId(r.id)) b.anchor = { id: r.id, at };
        else {
          windowKeys.add(seenKey(r.id));
          if (below) b.sentinel = true;
        }
      }
      read.push(...page.responses);
      if (page.next) {
        const keys = sameSecondKeys(page.responses, page.next.at);
        b.sameSecond = page.next.at === b.after?.at ? [...b.sameSecond, ...keys] : keys;
        b.after = page.next;
      }
      ended = page.ended;
    }
    const entries = this.#deal([...read].reverse(), b);
    const inWindow = new Set(b.read.map((e) => e.key));
    for (const r of read) {
      const key = seenKey(r.id);
      const entry = entries.get(key);
      if (entry && windowKeys.has(key) && !inWindow.has(key)) {
        b.read.push(entry);
        inWindow.add(key);
      }
    }
    if (!ended && !(b.anchor !== null && stopSeen)) return;
    this.#cursor = { ...this.#cursor, anchor: b.anchor, window: stableByTime([...b.read].reverse()), resume: null, back: null };
  }

  // ---- dealing ----

  /**
   * Deals with each response once, oldest first: traces the finished ones, hands over the
   * unfinished ones, passes over those before the start point or dealt with before. Returns the
   * window entry of each.
   */
  #deal(responses: readonly ResponsePayload[], back: ReadBack | null = null): Map<string, SeenResponse> {
    const c = this.#cursor;
    const known = new Map<string, SeenResponse>([...c.window, ...(back?.read ?? [])].map((e) => [e.key, e]));
    this.#linked = new Map([...linkedFromWindow(c.window), ...linkedFromWindow(back?.read ?? [])]);
    for (const r of responses) {
      const link = this.#linkFor(r);
      if (link && !this.#linked.has(r.id)) this.#linked.set(r.id, link);
    }
    const out = new Map<string, SeenResponse>();
    for (const r of responses) {
      const key = seenKey(r.id);
      const seen = known.get(key) ?? out.get(key);
      if (seen) {
        this.#report.alreadySeen += 1;
        out.set(key, seen);
      } else out.set(key, this.#dealWith(r, key, !this.#doneBefore(r, key, back)));
    }
    return out;
  }

  /** Listed behind the anchor, or above where a restarted read-back had got to: dealt with before. */
  #doneBefore(r: ResponsePayload, key: string, back: ReadBack | null): boolean {
    const at = r.createdAt;
    const anchorAt = this.#cursor.anchor?.at ?? null;
    if (at !== null && anchorAt !== null && at <= anchorAt) {
      this.#report.behindAnchor += 1;
      return true;
    }
    const done = back?.doneAbove ?? null;
    if (done !== null && (at === null || at > done || (at === done && back?.doneKeys.includes(key) === true))) {
      this.#report.alreadySeen += 1;
      return true;
    }
    return false;
  }

  #context(r: ResponsePayload): ResponseContext {
    const s = this.#settings;
    return freezeResponseContext(r, {
      captureContent: s.content.capture,
      contentMaxLength: s.content.maxLength,
      providerName: s.providerName,
      baseURL: s.baseURL,
      firstSeenSeconds: this.#cursor.firstSeen,
    });
  }

  #beforeStart = (r: ResponsePayload): boolean => r.createdAt !== null && r.createdAt < this.#cursor.since;

  /** How a later response's link reaches this one: traced, in the trace it joins; read only, when it joins none. */
  #linkFor(r: ResponsePayload): LinkedResponseContext | null {
    if (this.#beforeStart(r)) return parseTraceparent(r.metadata.traceparent) === null ? { traceparent: null, tracestate: null } : null;
    const ctx = this.#context(r);
    return { traceparent: ctx.traceparent, tracestate: ctx.tracestate };
  }

  /** The response's window entry; with `act`, what it calls for too (traced, handed over, or passed over). */
  #dealWith(r: ResponsePayload, key: string, act: boolean): SeenResponse {
    const entry: SeenResponse = { key, at: r.createdAt };
    if (this.#beforeStart(r)) {
      if (act) this.#report.beforeStart += 1;
      if (parseTraceparent(r.metadata.traceparent) !== null) entry.nolink = true;
      return entry;
    }
    const ctx = this.#context(r);
    if (ctx.traceparent !== null) entry.tp = ctx.traceparent;
    if (ctx.tracestate !== null) entry.ts = ctx.tracestate;
    if (act) this.#act(r, ctx);
    return entry;
  }

  #act(r: ResponsePayload, ctx: ResponseContext): void {
    const owner = this.#input.agentName;
    const limits = this.#settings.limits;
    if (isResponseTerminal(r)) {
      const traced = traceFinished(r, ctx, limits, owner, this.#linked);
      this.#spans.push(...traced.spans);
      this.#observations.push(...traced.observations);
      this.#report.traced += 1;
    } else if (isPlainId(r.id)) {
      const previous = r.previousResponseId;
      const link = previous === null ? undefined : this.#linked.get(previous);
      this.#track.push({
        kind: 'response',
        id: r.id,
        parent: owner,
        frozen: { context: ctx, owner, previous: previous !== null && link ? { id: previous, link } : null },
        cursor: cursorOf(r),
      });
      this.#report.tracked += 1;
    } else {
      // It cannot be asked for again: its spans now, as it stands; its metrics count finished responses only.
      this.#spans.push(...mapResponseTrace({ response: r, ctx, limits, unit: owner, linked: this.#linked }));
      this.#report.tracedUnfinished += 1;
    }
  }

  // ---- the commit ----

  #finish(): AgentLook {
    const cursor = this.#cursor;
    const more = cursor.back !== null || cursor.resume !== null;
    const foundNew = this.#report.traced + this.#report.tracked + this.#report.tracedUnfinished > 0;
    const unchanged =
      this.#stored !== null &&
      this.#spans.length === 0 &&
      this.#track.length === 0 &&
      JSON.stringify(this.#stored) === JSON.stringify(cursor);
    return {
      commit: {
        unit: this.#input.agentName,
        spans: this.#spans,
        observations: this.#observations,
        cursor,
        track: this.#track,
        terminal: false,
      },
      unchanged,
      requests: { list: this.#requests },
      pace: more ? { kind: 'more' } : { kind: 'listed', foundNew },
      idle: isListedToEnd(cursor),
      report: this.#report,
    };
  }
}

/** Keys of the responses created in the second `at`. */
const sameSecondKeys = (responses: readonly ResponsePayload[], at: number | null): string[] =>
  at === null ? [] : responses.filter((r) => r.createdAt === at).map((r) => seenKey(r.id));

function unique(entries: readonly SeenResponse[]): SeenResponse[] {
  const seen = new Set<string>();
  return entries.filter((e) => !seen.has(e.key) && seen.add(e.key));
}
