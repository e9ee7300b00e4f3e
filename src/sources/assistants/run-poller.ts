// One look at a run: its status (a fresh copy from its thread's list, the list of its thread's
// newest runs shared with its siblings, or a retrieve), its steps after the cursor when they may
// have moved, the mapping of what is new, one commit, and the next look as run-next-look decides.
import type { Logger } from 'pino';
import type { BridgeConfig } from '../../config/types.js';
import type { SourceLooks } from '../../core/source.js';
import { LOOK_CLASS, type LookClass } from '../../scheduler/look-scheduler.js';
import type { PollPolicy } from '../../scheduler/poll-policy.js';
import type { AssistantsSource } from './assistants-source.js';
import type { RunPayload } from './payloads.js';
import type { AssistantsLedger } from './run-ledger.js';
import { isRunTerminal, isWaitingRunStatus, STATUS } from './statuses.js';
import type { RunContextResolver } from './run-context.js';
import { nextRunLook, runLookClass, runLookStart, runStateAfter, type RunTask } from './run-next-look.js';
import { planProgress } from './run-progress.js';
import type { RunTable } from './run-table.js';

/** A finished run whose steps still look unfinished is looked at this many times before being mapped as it is. */
const FINALIZE_TRIES = 3;

/** The look scheduler's key of a run. */
export const runKey = (runId: string): `run:${string}` => `run:${runId}`;

export interface RunPollerOptions {
  config: BridgeConfig;
  state: AssistantsLedger;
  source: Pick<AssistantsSource, 'retrieveRun' | 'listRecentRuns' | 'listSteps'>;
  log: Logger;
  runs: RunTable;
  looks: SourceLooks;
  policy: PollPolicy;
  contexts: RunContextResolver;
  /** Makes the thread's next pass (which brings the run's status) happen within `delayMs`. */
  requestThreadPass: (threadId: string, delayMs: number, cls: LookClass) => void;
  /** New spans were committed to the outbox. */
  onCommitted: () => void;
  /** The run is traced to its end: nothing more to look at. */
  onFinished: () => void;
}

export class RunPoller {
  /** Lists of untracked threads under way, shared by the looks of their runs. */
  private readonly recentRunLists = new Map<string, Promise<RunPayload[]>>();

  private readonly options: RunPollerOptions;

  constructor(options: RunPollerOptions) {
    this.options = options;
  }

  /** Looks at the run in `delayMs`, in class `cls`. */
  schedule(runId: string, delayMs: number, cls: LookClass): void {
    this.options.looks.schedule(runKey(runId), delayMs, cls);
  }

  /**
   * One look at a run, one request in the steady state: its status (from the thread's list,
   * else a retrieve) while it waits or when nothing is moving, its steps after the cursor
   * while it works. The terminal look lists the steps once more and maps the run.
   */
  async look(runId: string): Promise<void> {
    const task = this.options.runs.get(runId);
    const { state, source, config, log } = this.options;
    const tracked = state.getRun(runId);
    if (!task || !tracked || tracked.removed || tracked.terminal) {
      this.options.runs.drop(runId);
      return;
    }
    const start = runLookStart(task);
    if (start.kind === 'awaiting-status') {
      task.awaitingStatus = true;
      this.options.requestThreadPass(task.threadId, 0, runLookClass(task));
      return;
    }
    const run = start.kind === 'look-up' ? await this.lookUpRun(task, runId) : start.run;
    const statusIsFresh = start.kind !== 'steps';
    task.fresh = false;
    task.awaitingStatus = false;
    task.retrieveNext = false;
    task.lastRun = run;
    const ctx = await this.options.contexts.contextFor(run, tracked.frozenContext);
    const status = run.status ?? null;
    const changed = statusIsFresh && status !== task.lastStatus;
    const terminal = isRunTerminal(run);
    const waiting = isWaitingRunStatus(status);
    const needSteps = !statusIsFresh || terminal || (changed && status !== STATUS.queued) || (!waiting && task.lastStatus === null);
    const steps = needSteps ? (await source.listSteps(task.threadId, runId, tracked.cursorStepId)).items : [];
    const finalize = terminal && task.finalizeTries + 1 >= FINALIZE_TRIES;
    const plan = planProgress(
      run,
      steps,
      {
        cursorStepId: tracked.cursorStepId,
        emitted: state.emittedAmong(
          runId,
          steps.map((step) => step.id),
        ),
        latestStepEnd: tracked.latestStepEnd,
        runSpanEmitted: tracked.runSpanEmitted,
        stepUsageSeen: tracked.stepUsageSeen,
      },
      ctx,
      config.limits,
      finalize,
      this.options.contexts.linkedRuns(steps),
    );
    const [first] = plan.misfiledSteps;
    if (first) {
      log.warn(
        {
          runId,
          threadId: task.threadId,
          stepIds: plan.misfiledSteps.slice(0, 5).map((s) => s.id),
          stepRunId: first.run_id,
          stepThreadId: first.thread_id,
          count: plan.misfiledSteps.length,
        },
        'steps listed under a run name another run or thread; mapped under the run they were listed under',
      );
    }
    const done = plan.runSpanEmitted || tracked.runSpanEmitted;
    state.commitProgress({
      runId,
      status,
      spans: plan.spans,
      emittedStepIds: plan.emittedStepIds,
      cursorStepId: plan.cursorStepId,
      latestStepEnd: plan.latestStepEnd,
      runSpanEmitted: plan.runSpanEmitted,
      terminal: done,
      stepUsageSeen: plan.stepUsageSeen,
      observations: plan.observations,
      // Stored with the first spans mapped with it: a refused commit leaves none behind.
      ...(tracked.frozenContext ? {} : { frozenContext: ctx }),
      ...(tracked.frozenContext && ctx.expiresAt !== tracked.frozenContext.expiresAt ? { expiresAt: ctx.expiresAt ?? null } : {}),
    });
    if (plan.spans.length > 0) this.options.onCommitted();
    if (statusIsFresh) task.lastStatus = status;
    const next = runStateAfter({
      status,
      statusIsFresh,
      changed,
      terminal,
      listedSteps: needSteps,
      done,
      nudged: task.nudged,
      awaitingToolOutputs: plan.awaitingToolOutputs,
      newSteps: plan.newSteps,
      pendingSteps: plan.pendingSteps,
      answered: plan.answered,
    });
    if (next.kind === 'finished') {
      this.options.runs.drop(runId);
      this.options.onFinished();
      return;
    }
    if (next.kind === 'finalizing') task.finalizeTries += 1;
    else if (next.kind !== 'nudged') task.onClient = needSteps && plan.awaitingToolOutputs;
    task.nudged = false;
    const look = nextRunLook(next, {
      policy: this.options.policy,
      activeIntervalMs: config.watch.activeIntervalMs,
      previousDelayMs: task.delayMs,
      viaThread: task.viaThread,
    });
    if (look.kind === 'drop') return;
    if (look.delayMs !== 'keep') task.delayMs = look.delayMs;
    task.nextProbe = look.probe;
    if (look.viaThread) {
      task.awaitingStatus = true;
      this.options.requestThreadPass(task.threadId, look.inMs, runLookClass(task));
    } else {
      this.schedule(runId, look.inMs, look.urgent ? LOOK_CLASS.active : runLookClass(task));
    }
  }

  /**
   * The run's status. Runs tracked one by one that share a thread share its newest runs' list:
   * one request brings all of them (a backfill of a thread's runs costs one list, not a retrieve
   * each). A run older than that page, or alone on its thread, is retrieved.
   */
  private async lookUpRun(task: RunTask, runId: string): Promise<RunPayload> {
    const { source } = this.options;
    const threadId = task.threadId;
    if (task.retrieveNext || this.options.runs.ofThread(threadId).size < 2) return source.retrieveRun(threadId, runId);
    let pending = this.recentRunLists.get(threadId);
    if (!pending) {
      pending = source
        .listRecentRuns(threadId)
        .then((page) => page.items)
        .finally(() => this.recentRunLists.delete(threadId));
      this.recentRunLists.set(threadId, pending);
    }
    let own: RunPayload | undefined;
    for (const run of await pending) {
      if (run.id === runId) {
        own = run;
        continue;
      }
      const sibling = this.options.runs.get(run.id);
      if (!sibling || sibling.threadId !== threadId || sibling.viaThread) continue;
      // Only news is handed on: an unchanged copy would pass for a fresh status at a later look.
      if ((run.status ?? null) === sibling.lastStatus && !isRunTerminal(run)) continue;
      sibling.lastRun = run;
      sibling.fresh = true;
      if (!this.options.looks.isInFlight(runKey(run.id))) this.schedule(run.id, 0, runLookClass(sibling));
    }
    return own ?? source.retrieveRun(threadId, runId);
  }
}
