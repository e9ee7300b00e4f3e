// Path and method matching: 404 for an unknown path, 405 with Allow for a known path and a
// method it does not take.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { HttpError, type Reply } from './http-reply.js';

export interface RequestContext {
  req: IncomingMessage;
  res: ServerResponse;
  /** The path's captured segments, percent-decoded. */
  params: string[];
}

/** A Reply, or null when the handler wrote the response itself (the metrics handler). */
export type Handler = (ctx: RequestContext) => Reply | null | Promise<Reply | null>;

export interface Route {
  path: RegExp;
  /** A control route: subject to the token and disabled off loopback without one. */
  control: boolean;
  methods: Partial<Record<string, Handler>>;
}

export interface Match {
  route: Route;
  params: string[];
}

export function matchRoute(routes: readonly Route[], pathname: string): Match | null {
  for (const route of routes) {
    const m = route.path.exec(pathname);
    if (!m) continue;
    // A group that took no part in the match is undefined, whatever the array's type says.
    const params = m.slice(1).map((raw: string | undefined) => {
      try {
        return decodeURIComponent(raw ?? '');
      } catch {
        throw new HttpError(400, 'the path has a malformed percent-encoding');
      }
    });
    return { route, params };
  }
  return null;
}

/** The route's handler for `method` (HEAD is served by GET), or a 405 naming the allowed ones. */
export function handlerFor(route: Route, method: string): Handler {
  const handler = route.methods[method] ?? (method === 'HEAD' ? route.methods.GET : undefined);
  if (handler) return handler;
  const allowed = Object.keys(route.methods);
  if (allowed.includes('GET')) allowed.push('HEAD');
  throw new HttpError(405, `method ${method} is not allowed here; use ${allowed.join(', ')}`, undefined, { allow: allowed.join(', ') });
}
