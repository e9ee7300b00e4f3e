// What a response is mapped with besides itself, recorded the first time the bridge sees it, so a
// restart or a config change never moves it to another trace or changes a span already sent.
import { serverOf } from '../../mapping/server-address.js';
import { parseTraceparent } from '../../mapping/ids.js';
import type { ResponsePayload } from './payload.js';

/**
 * The run context's fields a response needs, meaning the same (`firstSeenSeconds`: when the bridge
 * first saw the unit the response belongs to, the Foundry agent or the response itself), and
 * where a response without `completed_at` ended when something else said so: the `created_at` of
 * the webhook event that reported its end (null or absent: not known).
 */
export interface ResponseContext {
  /** A valid W3C traceparent from the response's metadata when first seen, else null. */
  traceparent: string | null;
  tracestate: string | null;
  captureContent: boolean;
  /** Content attributes are cut to this many characters. */
  contentMaxLength: number;
  /** `gen_ai.provider.name`. */
  providerName: string;
  serverAddress: string | null;
  serverPort: number | null;
  /** Unix seconds when the bridge first saw the unit: the last-resort time for payloads without timestamps. */
  firstSeenSeconds: number;
  reportedEndSeconds?: number | null;
}

export interface ResponseContextInputs {
  captureContent: boolean;
  contentMaxLength: number;
  providerName: string;
  /** The API base URL, for server.address and server.port. */
  baseURL: string;
  firstSeenSeconds: number;
  reportedEndSeconds?: number | null;
}

export function freezeResponseContext(response: Pick<ResponsePayload, 'metadata'>, inputs: ResponseContextInputs): ResponseContext {
  const raw = response.metadata.traceparent;
  const traceparent = parseTraceparent(raw) && typeof raw === 'string' ? raw.trim() : null;
  const tracestate = traceparent && typeof response.metadata.tracestate === 'string' ? response.metadata.tracestate : null;
  const server = serverOf(inputs.baseURL);
  return {
    traceparent,
    tracestate,
    captureContent: inputs.captureContent,
    contentMaxLength: inputs.contentMaxLength,
    providerName: inputs.providerName,
    serverAddress: server.address,
    serverPort: server.port,
    firstSeenSeconds: inputs.firstSeenSeconds,
    ...(inputs.reportedEndSeconds != null ? { reportedEndSeconds: inputs.reportedEndSeconds } : {}),
  };
}
