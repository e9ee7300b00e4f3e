// What a run is mapped with besides itself, taken once, the first time the run is seen, so a
// restart or a config change never moves a run to another trace or changes a span already sent.
import { serverOf } from '../../../mapping/server-address.js';
import type { RunPayload } from '../payloads.js';
import { isRunTerminal } from '../statuses.js';
import { parseTraceparent } from '../../../mapping/ids.js';
import { seconds } from './times.js';

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

export interface ContextInputs {
  agentName: string | null;
  /** The assistant's description, from the same look as its name. */
  agentDescription?: string | null;
  captureContent: boolean;
  contentMaxLength: number;
  providerName: string;
  /** The API base URL, for server.address and server.port. */
  baseURL: string;
  nowSeconds: number;
}

/**
 * The deadline of a run not yet finished, to record: where the run ends should it expire, since a
 * finished run need not carry it any more. Null once the run has finished, or without one.
 */
export function pendingExpiresAt(run: RunPayload): number | null {
  return isRunTerminal(run) ? null : seconds(run.expires_at);
}

export function freezeContext(run: RunPayload, inputs: ContextInputs): FrozenContext {
  const metadata = run.metadata ?? {};
  const traceparent = parseTraceparent(metadata.traceparent) ? (metadata.traceparent as string).trim() : null;
  const tracestate = traceparent && typeof metadata.tracestate === 'string' ? metadata.tracestate : null;
  const server = serverOf(inputs.baseURL);
  const expiresAt = pendingExpiresAt(run);
  return {
    agentName: inputs.agentName,
    ...(inputs.agentDescription ? { agentDescription: inputs.agentDescription } : {}),
    traceparent,
    tracestate,
    captureContent: inputs.captureContent,
    contentMaxLength: inputs.contentMaxLength,
    providerName: inputs.providerName,
    serverAddress: server.address,
    serverPort: server.port,
    firstSeenSeconds: inputs.nowSeconds,
    ...(expiresAt !== null ? { expiresAt } : {}),
  };
}
