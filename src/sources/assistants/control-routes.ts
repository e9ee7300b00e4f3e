// The control routes: add, list and remove tracked runs and threads. Changes go through the
// watcher, so polling starts or stops at once, and the watcher records them in the state store,
// so they survive a restart.
import type { Logger } from 'pino';
import { present } from '../../core/present.js';
import type { AssistantsLedger, TrackedRun, TrackedThread } from './run-ledger.js';
import type { Origin } from '../../state/types.js';
import { HttpError, type Reply } from '../../control/http-reply.js';
import { onlyFields, validId } from '../../control/route-input.js';
import { readJsonObject } from '../../control/json-body.js';
import type { Route } from '../../control/router.js';

/** What the control routes change: the bridge's Watcher. */
export interface TrackingTarget {
  addRun(threadId: string, runId: string, origin: Origin): boolean;
  addThread(threadId: string, origin: Origin): boolean;
  removeRun(runId: string): boolean;
  removeThread(threadId: string): boolean;
}

export function runView(run: TrackedRun): Record<string, unknown> {
  return {
    thread_id: run.threadId,
    run_id: run.runId,
    status: run.status,
    terminal: run.terminal,
    origin: run.origin,
    added_at: new Date(run.addedAt).toISOString(),
  };
}

export function threadView(thread: TrackedThread): Record<string, unknown> {
  return {
    thread_id: thread.threadId,
    origin: thread.origin,
    added_at: new Date(thread.addedAt).toISOString(),
    last_run_id: thread.lastRunId,
  };
}

export function trackingRoutes(target: TrackingTarget, state: AssistantsLedger, log: Logger): Route[] {
  const findThread = (threadId: string): TrackedThread | undefined => state.listThreads().find((t) => t.threadId === threadId);
  const trackedRun = (runId: string): TrackedRun => {
    const run = state.getRun(runId);
    if (!run || run.removed) throw new HttpError(404, `run ${runId} is not tracked`, 'run_id');
    return run;
  };

  return [
    {
      path: /^\/v1\/runs$/,
      control: true,
      methods: {
        GET: (): Reply => ({ status: 200, body: { runs: state.listRuns().map(runView) } }),
        POST: async ({ req }): Promise<Reply> => {
          const body = await readJsonObject(req);
          onlyFields(body, ['thread_id', 'run_id']);
          const threadId = validId(body.thread_id, 'thread_id');
          const runId = validId(body.run_id, 'run_id');
          const known = state.getRun(runId);
          // Tracking it again would keep the recorded thread and poll the wrong one.
          if (known && known.threadId !== threadId) {
            throw new HttpError(409, `run ${runId} is known on thread ${known.threadId}, not ${threadId}`, 'thread_id');
          }
          const added = target.addRun(threadId, runId, 'control');
          if (added) log.info({ threadId, runId }, 'control: run tracked');
          return { status: added ? 201 : 200, body: { run: runView(present(state.getRun(runId), `run ${runId} just tracked`)) } };
        },
      },
    },
    {
      path: /^\/v1\/runs\/([^/]+)$/,
      control: true,
      methods: {
        GET: ({ params }): Reply => ({ status: 200, body: { run: runView(trackedRun(validId(params[0], 'run_id'))) } }),
        DELETE: ({ params }): Reply => {
          const run = trackedRun(validId(params[0], 'run_id'));
          // The thread's next pass would track the run again: say so rather than pretend.
          if (findThread(run.threadId)) {
            throw new HttpError(
              409,
              `run ${run.runId} belongs to tracked thread ${run.threadId}, which would track it again; remove the thread first`,
              'run_id',
            );
          }
          if (!target.removeRun(run.runId)) throw new HttpError(404, `run ${run.runId} is not tracked`, 'run_id');
          log.info({ threadId: run.threadId, runId: run.runId }, 'control: run no longer tracked');
          return { status: 200, body: { run_id: run.runId, removed: true } };
        },
      },
    },
    {
      path: /^\/v1\/threads$/,
      control: true,
      methods: {
        GET: (): Reply => ({ status: 200, body: { threads: state.listThreads().map(threadView) } }),
        POST: async ({ req }): Promise<Reply> => {
          const body = await readJsonObject(req);
          onlyFields(body, ['thread_id']);
          const threadId = validId(body.thread_id, 'thread_id');
          const added = target.addThread(threadId, 'control');
          if (added) log.info({ threadId }, 'control: thread tracked');
          return {
            status: added ? 201 : 200,
            body: { thread: threadView(present(findThread(threadId), `thread ${threadId} just tracked`)) },
          };
        },
      },
    },
    {
      path: /^\/v1\/threads\/([^/]+)$/,
      control: true,
      methods: {
        GET: ({ params }): Reply => {
          const threadId = validId(params[0], 'thread_id');
          const thread = findThread(threadId);
          if (!thread) throw new HttpError(404, `thread ${threadId} is not tracked`, 'thread_id');
          return { status: 200, body: { thread: threadView(thread) } };
        },
        DELETE: ({ params }): Reply => {
          const threadId = validId(params[0], 'thread_id');
          if (!target.removeThread(threadId)) throw new HttpError(404, `thread ${threadId} is not tracked`, 'thread_id');
          log.info({ threadId }, 'control: thread no longer tracked (runs found on it stay tracked)');
          return { status: 200, body: { thread_id: threadId, removed: true } };
        },
      },
    },
  ];
}
