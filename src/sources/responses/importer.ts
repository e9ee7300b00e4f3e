// `import` for the responses source: Response objects saved as the API returns them (`object:
// "response"`, arrays or list pages of them), each mapped as a watch maps a response it finds
// finished (an unfinished one as it stands, as an agent's look maps one it cannot ask for again),
// with a context frozen at import. `previous_response_id` links reach the imported responses.
import type { BridgeConfig } from '../../config/types.js';
import { listedItems, ValueProblem } from '../../core/import-input.js';
import type { JsonPath } from '../../core/json-text.js';
import type { SourceImporter } from '../../core/source.js';
import type { SpanRecord } from '../../core/span-record.js';
import { isObj } from '../../mapping/json-values.js';
import { freezeResponseContext, type ResponseContext } from './context.js';
import type { LinkedResponseContext } from './links.js';
import { mapResponseTrace } from './map-response.js';
import { isResponseTerminal, readResponse, type ResponsePayload } from './payload.js';

const RESPONSE_OBJECT = 'response';

const isResponseObject = (v: unknown): boolean => isObj(v) && v.object === RESPONSE_OBJECT;

/** A response, a list page holding one, or an array holding one. */
export function isSavedResponses(value: unknown): boolean {
  return listedItems(value).some(({ item }) => isResponseObject(item));
}

export class ResponsesImporter implements SourceImporter {
  readonly reads = 'Responses (response objects, arrays or list pages of them)';
  /** By id: the same response saved twice counts once, the later copy wins. */
  readonly #responses = new Map<string, ResponsePayload>();

  accepts(value: unknown): boolean {
    return isSavedResponses(value);
  }

  add(value: unknown): void {
    for (const { item, path } of listedItems(value)) this.#addResponse(item, path);
  }

  #addResponse(raw: unknown, path: JsonPath): void {
    if (!isResponseObject(raw)) throw new ValueProblem(path, `object: expected '${RESPONSE_OBJECT}' (a Response as the API returns it)`);
    const response = readResponse(raw);
    if (response === null) throw new ValueProblem(path, 'response: id: missing or not a string');
    this.#responses.set(response.id, response);
  }

  spans(config: BridgeConfig, nowSeconds: number): Iterable<SpanRecord[]> {
    const contexts = new Map<string, ResponseContext>();
    const linked = new Map<string, LinkedResponseContext>();
    for (const response of this.#responses.values()) {
      const ctx = freezeResponseContext(response, {
        captureContent: config.content.capture,
        contentMaxLength: config.content.maxLength,
        providerName: config.api.providerName,
        baseURL: config.api.baseURL,
        firstSeenSeconds: nowSeconds,
      });
      contexts.set(response.id, ctx);
      linked.set(response.id, { traceparent: ctx.traceparent, tracestate: ctx.tracestate });
    }
    return this.#map(contexts, linked, config);
  }

  *#map(contexts: ReadonlyMap<string, ResponseContext>, linked: ReadonlyMap<string, LinkedResponseContext>, config: BridgeConfig) {
    for (const response of this.#responses.values()) {
      const ctx = contexts.get(response.id) as ResponseContext;
      // The unit is never exported: an agent's responses belong to the agent, as in a watch.
      yield mapResponseTrace({ response, ctx, limits: config.limits, unit: response.agent?.name ?? response.id, linked });
    }
  }

  counts(): Record<string, number> {
    const unfinished = [...this.#responses.values()].filter((r) => !isResponseTerminal(r)).length;
    return { responses: this.#responses.size, ...(unfinished > 0 ? { unfinishedResponses: unfinished } : {}) };
  }
}
