// The bridge's own span shape: plain JSON, so it can sit in the outbox and be exported
// later, byte-for-byte the same, by whichever process picks it up.

export type AttributeValue = string | number | boolean | string[] | number[] | boolean[];
export type Attributes = Record<string, AttributeValue>;

export const SpanKindName = { INTERNAL: 0, SERVER: 1, CLIENT: 2, PRODUCER: 3, CONSUMER: 4 } as const;
export type SpanKindValue = (typeof SpanKindName)[keyof typeof SpanKindName];

/** OpenTelemetry status codes: 0 UNSET, 1 OK, 2 ERROR. */
export type StatusCodeValue = 0 | 1 | 2;

/** A moment in a span's life, at a whole API second like the span's own times. */
export interface SpanEventRecord {
  name: string;
  timeSeconds: number;
  attributes?: Attributes;
}

/** A pointer to a span in another trace (a connected agent's run, say). */
export interface SpanLinkRecord {
  traceId: string;
  spanId: string;
  traceFlags: number;
  traceState?: string;
  attributes?: Attributes;
}

export interface SpanRecord {
  /** 32 lowercase hex characters. */
  traceId: string;
  /** 16 lowercase hex characters. */
  spanId: string;
  /** Absent for a root span. */
  parentSpanId?: string;
  /** W3C trace flags (1 = sampled). */
  traceFlags: number;
  traceState?: string;
  name: string;
  kind: SpanKindValue;
  /** Whole Unix seconds from the API; exported as [seconds, 0]. */
  startSeconds: number;
  endSeconds: number;
  status: { code: StatusCodeValue; message?: string };
  attributes: Attributes;
  droppedAttributesCount: number;
  /** Absent when the span has none (so outbox rows written before events existed read the same). */
  events?: SpanEventRecord[];
  links?: SpanLinkRecord[];
  /** What the span describes, for logs and the outbox: `run`, `step` or `tool`. */
  role: 'run' | 'step' | 'tool';
  /** The run this span belongs to. */
  runId: string;
  /**
   * The work it describes is history (it ended long before the bridge first saw its run): kept
   * out of the export lag. The bridge's own mark; never exported.
   */
  history?: true;
}

/** Everything mapping needs besides the run and its steps, recorded the first time a run is seen. */
export interface FrozenContext {
  /** `gen_ai.agent.name`, from `GET /assistants/{id}`; null when unknown. */
  agentName: string | null;
  /** `gen_ai.agent.description`, from the same look; absent in contexts recorded before it was kept. */
  agentDescription?: string | null;
  /** A valid W3C traceparent from the run's metadata when first seen, else null. */
  traceparent: string | null;
  tracestate: string | null;
  captureContent: boolean;
  /** Content attributes are cut to this many characters. */
  contentMaxLength: number;
  /** `gen_ai.provider.name`. */
  providerName: string;
  serverAddress: string | null;
  serverPort: number | null;
  /** Unix seconds when the bridge first saw the run: the last-resort time for payloads without timestamps. */
  firstSeenSeconds: number;
  /**
   * The run's `expires_at` as last seen while it was not finished: where an expired run ends,
   * since a finished run may no longer carry its deadline. Recorded after the first look too
   * (the only field that is), until the run ends.
   */
  expiresAt?: number | null;
}

export interface MappingLimits {
  /** Longest string attribute value, in characters (OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT). */
  attributeValueLengthLimit: number;
  /** Most attributes per span (OTEL_ATTRIBUTE_COUNT_LIMIT). */
  attributeCountLimit: number;
}
