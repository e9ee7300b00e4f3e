// A cap on distinct values of a label (agent ids, models): the first `limit` values seen keep
// their own series, every later one is reported as `_other`. Who got in is kept in the state
// file, so the split never changes across restarts: a series never moves between an agent and
// `_other`, which would look like a counter reset to Prometheus.
import {
  ATTR_ERROR_TYPE,
  ATTR_GEN_AI_AGENT_ID,
  ATTR_GEN_AI_AGENT_NAME,
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_GEN_AI_TOOL_NAME,
  ATTR_GEN_AI_TOOL_TYPE,
} from '../semconv/attributes.js';
import { ATTR_OPENAI_RUN_STATUS, ATTR_OPENAI_RUN_STEP_STATUS, ATTR_OPENAI_RUN_STEP_TYPE } from '../sources/assistants/attributes.js';

export const OTHER = '_other';

/** The part of the state store a cap needs. */
export interface MetaStore {
  getMeta(key: string): string | undefined;
  setMeta(key: string, value: string): void;
}

export class LabelCap {
  readonly #key: string;
  readonly #admitted: Set<string>;

  constructor(
    private readonly store: MetaStore,
    readonly label: string,
    readonly limit: number,
  ) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`the cap of label ${label} must be a positive integer, got ${limit}`);
    this.#key = `metrics.admitted.${label}`;
    this.#admitted = new Set(readList(store.getMeta(this.#key)));
  }

  /**
   * Admits new values while there is room (in sorted order, so one collection admits the same
   * ones whatever order the totals came in) and persists the admitted set when it grew.
   */
  admit(values: Iterable<string>): void {
    if (this.#admitted.size >= this.limit) return;
    const fresh = [...new Set(values)].filter((v) => !this.#admitted.has(v)).sort();
    if (fresh.length === 0) return;
    for (const v of fresh.slice(0, this.limit - this.#admitted.size)) this.#admitted.add(v);
    this.store.setMeta(this.#key, JSON.stringify([...this.#admitted]));
  }

  /** The value to report for `value`: itself once admitted, else `_other`. */
  map(value: string): string {
    return this.#admitted.has(value) ? value : OTHER;
  }

  get admitted(): ReadonlySet<string> {
    return this.#admitted;
  }
}

function readList(raw: string | undefined): string[] {
  if (raw === undefined) return [];
  try {
    const parsed: unknown = JSON.parse(raw);
    return Array.isArray(parsed) ? parsed.filter((v): v is string => typeof v === 'string') : [];
  } catch {
    return [];
  }
}

/**
 * Default caps: agent ids and names, models and tool names are open-ended; statuses, types and
 * error codes only in theory. An agent over the id cap loses its name too (see the producer).
 */
export const DEFAULT_LABEL_CAPS: Readonly<Record<string, number>> = {
  [ATTR_GEN_AI_AGENT_ID]: 50,
  [ATTR_GEN_AI_AGENT_NAME]: 50,
  [ATTR_GEN_AI_REQUEST_MODEL]: 50,
  [ATTR_GEN_AI_TOOL_NAME]: 50,
  [ATTR_GEN_AI_TOOL_TYPE]: 20,
  [ATTR_ERROR_TYPE]: 20,
  [ATTR_OPENAI_RUN_STATUS]: 20,
  [ATTR_OPENAI_RUN_STEP_STATUS]: 20,
  [ATTR_OPENAI_RUN_STEP_TYPE]: 20,
};
