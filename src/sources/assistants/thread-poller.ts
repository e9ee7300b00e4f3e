// One pass over a tracked thread's run list: it finds new runs (tracked from then on) and brings
// the status of every run on the thread in one request, handing each watched run its fresh copy.
import type { SourceLooks } from '../../core/source.js';
import { LOOK_CLASS, type LookClass } from '../../scheduler/look-scheduler.js';
import type { PollPolicy } from '../../scheduler/poll-policy.js';
import type { AssistantsSource } from './assistants-source.js';
import type { RunPayload } from './payloads.js';
import type { AssistantsLedger } from './run-ledger.js';
import { isRunTerminal } from './statuses.js';
import { newRunTask, runLookClass } from './run-next-look.js';
import { runKey } from './run-poller.js';
import type { RunTable } from './run-table.js';

/** The look scheduler's key of a thread. */
export const threadKey = (threadId: string): `thread:${string}` => `thread:${threadId}`;

export interface ThreadTask {
  /** The thread's stored runs cursor: lists start after it. */
  lastRunId: string | null;
  delayMs: number | undefined;
  passes: number;
  /** The last pass found no unfinished run. */
  clean: boolean;
  /** Run ids in list order from the last pass, to move the cursor past finished ones. */
  order: string[];
}

export interface ThreadPollerOptions {
  state: AssistantsLedger;
  source: Pick<AssistantsSource, 'listRuns'>;
  runs: RunTable;
  looks: SourceLooks;
  policy: PollPolicy;
}

export class ThreadPoller {
  /** The threads being watched. */
  readonly threads = new Map<string, ThreadTask>();

  private readonly options: ThreadPollerOptions;

  constructor(options: ThreadPollerOptions) {
    this.options = options;
  }

  /**
   * Makes the thread's next pass happen within `delayMs` (never later than it was due), in the
   * most urgent class any run waiting for it asked for.
   */
  requestPass(threadId: string, delayMs: number, cls: LookClass): void {
    if (this.threads.has(threadId)) this.options.looks.hasten(threadKey(threadId), delayMs, cls);
  }

  async look(threadId: string): Promise<void> {
    const thread = this.threads.get(threadId);
    const { state, source } = this.options;
    if (!thread) return;
    // Move the cursor past runs finished since the last pass, so the list stays short.
    let cursor = thread.lastRunId;
    for (const id of thread.order) {
      const r = state.getRun(id);
      if (!r || !(r.terminal || r.removed)) break;
      cursor = id;
    }
    if (cursor !== thread.lastRunId) {
      state.setThreadCursor(threadId, cursor);
      thread.lastRunId = cursor;
    }
    const mine = this.options.runs.ofThread(threadId);
    let someoneWaits = false;
    for (const runId of mine) if (this.options.runs.get(runId)?.awaitingStatus) someoneWaits = true;
    const listed = await source.listRuns(threadId, cursor, someoneWaits ? 'finishing' : 'discovery');
    let foundNew = false;
    let unfinished = false;
    // A run removed by the user or gone upstream stays removed: only unknown runs are added,
    // all of a pass in one transaction.
    const unknown = listed.items.filter((run) => !state.getRun(run.id));
    if (unknown.length > 0) {
      state.trackRuns(unknown.map((run) => ({ threadId, runId: run.id, origin: 'thread' as const })));
      foundNew = true;
    }
    for (const run of listed.items) {
      const tracked = state.getRun(run.id);
      if (!tracked || tracked.removed || tracked.terminal) continue;
      if (!isRunTerminal(run)) unfinished = true;
      this.watchRunFromList(threadId, run);
    }
    thread.order = listed.items.map((r) => r.id);
    // A run waiting for this list that is not in it was deleted (or is older than the cursor):
    // one retrieve settles which.
    const listedIds = new Set(thread.order);
    for (const runId of this.options.runs.ofThread(threadId)) {
      const task = this.options.runs.get(runId);
      if (!task?.awaitingStatus || listedIds.has(runId)) continue;
      task.awaitingStatus = false;
      task.retrieveNext = true;
      this.options.looks.schedule(runKey(runId), 0, runLookClass(task));
    }
    const settled = !unfinished && !thread.clean;
    thread.passes += 1;
    thread.clean = !unfinished;
    // Discovery pace; a run that needs its status asks for an earlier pass itself.
    thread.delayMs = this.options.policy.nextDiscoveryDelay({ foundNew, settled, previousDelayMs: thread.delayMs });
    this.requestPass(threadId, thread.delayMs, LOOK_CLASS.discovery);
  }

  /** A run seen in its thread's list: hand it the fresh copy, and look now if it may have something new. */
  private watchRunFromList(threadId: string, run: RunPayload): void {
    let task = this.options.runs.get(run.id);
    if (!task) {
      task = newRunTask(threadId, true);
      this.options.runs.set(run.id, task);
    }
    task.viaThread = true;
    task.lastRun = run;
    const changed = (run.status ?? null) !== task.lastStatus;
    // Only news counts as a fresh status: an unchanged copy must not stand in for the steps look
    // a working run has due.
    const news = task.awaitingStatus || changed || isRunTerminal(run);
    task.fresh = news;
    if (news && !this.options.looks.isInFlight(runKey(run.id))) this.options.looks.schedule(runKey(run.id), 0, runLookClass(task));
  }
}
