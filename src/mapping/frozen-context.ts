// What a run is mapped with besides itself, taken once, the first time the run is seen, so a
// restart or a config change never moves a run to another trace or changes a span already sent.
import type { RunPayload } from '../source/payloads.js';
import { parseTraceparent } from './ids.js';
import type { FrozenContext } from './span-record.js';

export interface ContextInputs {
  agentName: string | null;
  captureContent: boolean;
  contentMaxLength: number;
  providerName: string;
  /** The API base URL, for server.address and server.port. */
  baseURL: string;
  nowSeconds: number;
}

export function serverOf(baseURL: string): { address: string | null; port: number | null } {
  try {
    const url = new URL(baseURL);
    const port = url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
    return { address: url.hostname.replace(/^\[|\]$/g, ''), port };
  } catch {
    return { address: null, port: null };
  }
}

export function freezeContext(run: RunPayload, inputs: ContextInputs): FrozenContext {
  const metadata = run.metadata ?? {};
  const traceparent = parseTraceparent(metadata.traceparent) ? (metadata.traceparent as string).trim() : null;
  const tracestate = traceparent && typeof metadata.tracestate === 'string' ? metadata.tracestate : null;
  const server = serverOf(inputs.baseURL);
  return {
    agentName: inputs.agentName,
    traceparent,
    tracestate,
    captureContent: inputs.captureContent,
    contentMaxLength: inputs.contentMaxLength,
    providerName: inputs.providerName,
    serverAddress: server.address,
    serverPort: server.port,
    firstSeenSeconds: inputs.nowSeconds,
  };
}
