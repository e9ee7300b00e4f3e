// /_sim control routes: no auth, never faulted. For tests and the demo.
import type { Dialect } from './dialect.js';
import type { FaultEngine } from './faults.js';
import { parseFaultConfig } from './faults.js';
import { isRunKind, RUN_KINDS } from './plans.js';
import type { RequestLog } from './requestlog.js';
import { isError, isObject } from './validate.js';
import type { World } from './world.js';

export interface ControlContext {
  method: string;
  /** Path below `/_sim`. */
  path: string;
  body: unknown;
  world: World;
  faults: FaultEngine;
  log: RequestLog;
  dialect: Dialect;
}

export interface ControlResult {
  status: number;
  body: unknown;
}

const problem = (status: number, message: string): ControlResult => ({
  status,
  body: { error: { message, type: 'invalid_request_error', param: null, code: null } },
});

export function handleControl(ctx: ControlContext): ControlResult {
  const route = `${ctx.method} ${ctx.path}`;
  const { world } = ctx;
  switch (route) {
    case 'GET /health': {
      return { status: 200, body: { ok: true, ...world.summary(), dialect: ctx.dialect.name } };
    }
    case 'GET /requests':
      return { status: 200, body: { requests: ctx.log.list() } };
    case 'DELETE /requests':
      ctx.log.clear();
      return { status: 200, body: { cleared: true } };
    case 'GET /faults':
      return { status: 200, body: ctx.faults.get() };
    case 'POST /faults': {
      const parsed = parseFaultConfig(ctx.body);
      if (!parsed.ok) return problem(400, parsed.error);
      ctx.faults.set(parsed.value);
      return { status: 200, body: ctx.faults.get() };
    }
    case 'GET /truth':
      return { status: 200, body: world.truth((kind, body) => ctx.dialect.present(kind, body)) };
    case 'GET /clock':
      return { status: 200, body: { now: world.now(), startEpoch: world.clock.startEpoch, speed: world.clock.speed } };
    case 'POST /clock': {
      const seconds = isObject(ctx.body) ? ctx.body.advanceSeconds : undefined;
      if (typeof seconds !== 'number' || !Number.isInteger(seconds) || seconds < 0)
        return problem(400, 'advanceSeconds must be a non-negative integer');
      const now = world.advance(seconds);
      world.sync(now);
      return { status: 200, body: { now } };
    }
    case 'POST /runs': {
      const body = ctx.body === undefined ? {} : ctx.body;
      if (!isObject(body)) return problem(400, 'body must be a JSON object');
      const { threadId, kind } = body;
      if (threadId !== undefined && typeof threadId !== 'string') return problem(400, 'threadId must be a string');
      if (kind !== undefined && !isRunKind(kind)) return problem(400, `kind must be one of ${RUN_KINDS.join(', ')}`);
      const unserved = world.unservedKind(kind);
      if (unserved) return problem(400, unserved.message);
      const run = world.startScriptedRun(world.now(), { threadId, kind });
      if (isError(run)) return problem(run.status === 404 ? 404 : 409, run.message);
      return { status: 200, body: { thread_id: run.threadId, run_id: run.id, kind: run.plan.kind } };
    }
    default:
      return problem(404, `Invalid URL (${ctx.method} /_sim${ctx.path})`);
  }
}
