// Spans as OTLP nests them: under their resource, then their instrumentation scope. Spans without
// a resource or scope of their own go under the exporter's, encoded once; the others are grouped
// by value, each group in order of its first span, spans in their order within it.
import type { Resource } from '@opentelemetry/resources';
import type { Attributes, ResourceRecord, ScopeRecord, SpanRecord } from '../core/span-record.js';

/** A resource or scope as the encoder wrote it once, and its schema URL (written after its spans). */
export interface Encoded<T> {
  encoded: T;
  schemaUrl?: string;
}

export interface ScopeGroup<S> {
  scope: Encoded<S>;
  spans: readonly SpanRecord[];
}

export interface ResourceGroup<R, S> {
  resource: Encoded<R>;
  scopes: ScopeGroup<S>[];
}

/** Distinct resources and scopes kept encoded between batches (forwarded spans repeat a few). */
const CACHE_LIMIT = 256;

export class SpanGroups<R, S> {
  readonly #defaultResource: Encoded<R>;
  readonly #defaultScope: Encoded<S>;
  readonly #resources = new Map<string, Encoded<R>>();
  readonly #scopes = new Map<string, Encoded<S>>();

  constructor(
    defaultResource: ResourceRecord,
    defaultScope: ScopeRecord,
    private readonly encodeResource: (resource: ResourceRecord) => R,
    private readonly encodeScope: (scope: ScopeRecord) => S,
  ) {
    this.#defaultResource = withSchema(encodeResource(defaultResource), defaultResource.schemaUrl);
    this.#defaultScope = withSchema(encodeScope(defaultScope), defaultScope.schemaUrl);
  }

  group(spans: readonly SpanRecord[]): ResourceGroup<R, S>[] {
    if (spans.every((span) => span.resource === undefined && span.scope === undefined)) {
      return [{ resource: this.#defaultResource, scopes: [{ scope: this.#defaultScope, spans }] }];
    }
    // Keyed by value (the exporter's own by '', which no JSON is), so the cache's turnover never splits a group.
    const groups = new Map<string, { resource: Encoded<R>; scopes: Map<string, ScopeGroup<S> & { spans: SpanRecord[] }> }>();
    for (const span of spans) {
      const resourceKey = span.resource ? valueKey(span.resource) : '';
      const scopeKey = span.scope ? valueKey(span.scope) : '';
      let group = groups.get(resourceKey);
      if (!group) {
        const resource = span.resource ? this.#resource(resourceKey, span.resource) : this.#defaultResource;
        groups.set(resourceKey, (group = { resource, scopes: new Map() }));
      }
      let scoped = group.scopes.get(scopeKey);
      if (!scoped) {
        const scope = span.scope ? this.#scope(scopeKey, span.scope) : this.#defaultScope;
        group.scopes.set(scopeKey, (scoped = { scope, spans: [] }));
      }
      scoped.spans.push(span);
    }
    return [...groups.values()].map((group) => ({ resource: group.resource, scopes: [...group.scopes.values()] }));
  }

  #resource(key: string, resource: ResourceRecord): Encoded<R> {
    return cached(this.#resources, key, () => withSchema(this.encodeResource(resource), resource.schemaUrl));
  }

  #scope(key: string, scope: ScopeRecord): Encoded<S> {
    return cached(this.#scopes, key, () => withSchema(this.encodeScope(scope), scope.schemaUrl));
  }
}

/** JSON that tells apart what JSON alone would not (NaN, the infinities and -0 are written differently from null and 0). */
function valueKey(value: ResourceRecord | ScopeRecord): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    typeof v === 'number' && (!Number.isFinite(v) || Object.is(v, -0)) ? { '\u0000number': Object.is(v, -0) ? '-0' : String(v) } : v,
  );
}

function withSchema<T>(encoded: T, schemaUrl: string | undefined): Encoded<T> {
  return schemaUrl ? { encoded, schemaUrl } : { encoded };
}

function cached<T>(cache: Map<string, T>, key: string, make: () => T): T {
  let found = cache.get(key);
  if (found === undefined) {
    found = make();
    if (cache.size >= CACHE_LIMIT) cache.clear();
    cache.set(key, found);
  }
  return found;
}

/** The exporter's resource as a record (the SDK's attribute values are among a record's). */
export function configuredResource(resource: Resource): ResourceRecord {
  return { attributes: resource.attributes as Attributes, ...(resource.schemaUrl ? { schemaUrl: resource.schemaUrl } : {}) };
}
