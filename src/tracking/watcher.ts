// The watch loop: which run or thread to look at next, one look at a time per object, under
// the request budget. Runs of a tracked thread get their status from the thread's run list
// (one request for all of them); steps are listed only for runs that changed or are working.
import type { Logger } from 'pino';
import type { BridgeConfig } from '../config/types.js';
import { BridgeError } from '../core/errors.js';
import { LOOK_CLASS, LOOK_CLASSES, LookScheduler, type LookClass, type LookFailure } from '../scheduler/look-scheduler.js';
import { PollPolicy } from '../scheduler/poll-policy.js';
import type { AssistantsSource } from '../sources/assistants/assistants-source.js';
import type { RunLedger } from '../sources/assistants/run-ledger.js';
import { isTerminalRunStatus } from '../sources/assistants/statuses.js';
import type { Origin } from '../state/types.js';
import { RunContextResolver } from '../sources/assistants/run-context.js';
import { RunPoller } from '../sources/assistants/run-poller.js';
import { RunTable } from '../sources/assistants/run-table.js';
import { ThreadDiscovery } from '../sources/assistants/thread-discovery.js';
import { ThreadPoller, type ThreadTask } from '../sources/assistants/thread-poller.js';
import { newRunTask, runLookClass, type RunTask } from '../sources/assistants/run-next-look.js';

type TaskKey = `run:${string}` | `thread:${string}` | 'discover:threads';

const DISCOVERY_KEY = 'discover:threads';
/** State meta key of the thread discovery cursor. */
const DISCOVERY_META = 'all_threads';
const { active: ACTIVE, routine: ROUTINE, discovery: DISCOVERY } = LOOK_CLASS;

export interface WatcherCounters {
  polls: number;
  runsFinished: number;
  runsDeleted: number;
  threadsDeleted: number;
  transientErrors: number;
  outboxFullRefusals: number;
  lastPollAt: number | null;
  lastError: string | null;
}

export interface WatcherOptions {
  config: BridgeConfig;
  state: RunLedger;
  source: AssistantsSource;
  log: Logger;
  /** New spans were committed to the outbox. */
  onCommitted: () => void;
  /** Runs the first successful poll reports to (for /readyz). */
  onFirstPoll?: () => void;
  /** A look met an error after which nothing will work (credentials refused, say): the loop has stopped; stop the bridge. */
  onFatal?: (error: BridgeError) => void;
  /** Once the stop begins, how long looks under way may go on before `cutOff` aborts their requests. Default: the whole stop budget. */
  pollGraceMs?: () => number;
  /** Aborted when the grace for looks under way is over (their requests' signal). */
  cutOff?: AbortController;
  maxConcurrentTasks?: number;
  nowSeconds?: () => number;
}

/** Runs an app registered as it created them: live from the start. */
function isLiveOrigin(origin: Origin): boolean {
  return origin === 'control' || origin === 'library';
}

export class Watcher {
  readonly counters: WatcherCounters = {
    polls: 0,
    runsFinished: 0,
    runsDeleted: 0,
    threadsDeleted: 0,
    transientErrors: 0,
    outboxFullRefusals: 0,
    lastPollAt: null,
    lastError: null,
  };
  private readonly looks: LookScheduler;
  private readonly runs = new RunTable();
  private readonly threadPoller: ThreadPoller;
  private readonly threads: Map<string, ThreadTask>;
  private readonly runPoller: RunPoller;
  private readonly policy: PollPolicy;
  private readonly warnedAt = new Map<string, number>();
  private started = false;
  private discovery: ThreadDiscovery | null = null;
  private firstPollReported = false;

  constructor(private readonly options: WatcherOptions) {
    const w = options.config.watch;
    this.policy = PollPolicy.fromWatch(w);
    this.looks = new LookScheduler({
      classes: LOOK_CLASSES,
      look: (key) => this.runTask(key as TaskKey),
      onFailure: (key, error, failure) => this.onTaskError(key as TaskKey, error, failure),
      ...(options.onFatal ? { onFatal: options.onFatal } : {}),
      retry: { baseMs: w.activeIntervalMs, capMs: w.maxWaitIntervalMs },
      ...(options.maxConcurrentTasks === undefined ? {} : { maxConcurrent: options.maxConcurrentTasks }),
      ...(options.pollGraceMs ? { graceMs: options.pollGraceMs } : {}),
      onGraceOver: () => options.cutOff?.abort(),
    });
    const contexts = new RunContextResolver({
      source: options.source,
      config: options.config,
      log: options.log,
      recordedContext: (runId) => options.state.getRun(runId)?.frozenContext ?? null,
      ...(options.nowSeconds ? { nowSeconds: options.nowSeconds } : {}),
    });
    this.threadPoller = new ThreadPoller({
      state: options.state,
      source: options.source,
      runs: this.runs,
      looks: this.looks,
      policy: this.policy,
    });
    this.threads = this.threadPoller.threads;
    this.runPoller = new RunPoller({
      config: options.config,
      state: options.state,
      source: options.source,
      log: options.log,
      runs: this.runs,
      looks: this.looks,
      policy: this.policy,
      contexts,
      requestThreadPass: (threadId, delayMs, cls) => this.threadPoller.requestPass(threadId, delayMs, cls),
      onCommitted: options.onCommitted,
      onFinished: () => (this.counters.runsFinished += 1),
    });
  }

  /** Loads what the state tracks and starts polling; once. */
  start(): void {
    if (this.started || this.looks.stopping) return;
    this.started = true;
    const { state, source } = this.options;
    if (this.options.config.watch.allThreads) {
      this.discovery = new ThreadDiscovery({
        source,
        config: this.options.config,
        log: this.options.log,
        policy: this.policy,
        cursor: { read: () => state.getMeta(DISCOVERY_META) ?? null, write: (value) => state.setMeta(DISCOVERY_META, value) },
        follow: (threadId) => this.addThread(threadId, 'cli'),
        ...(this.options.nowSeconds ? { nowSeconds: this.options.nowSeconds } : {}),
      });
      this.discovery.announce();
      this.schedule(DISCOVERY_KEY, 0, DISCOVERY);
    }
    for (const thread of state.listThreads()) this.watchThread(thread.threadId, thread.lastRunId);
    for (const run of state.listRuns({ active: true })) this.watchRun(run.threadId, run.runId, isLiveOrigin(run.origin));
    this.looks.start();
  }

  /**
   * Tracks a run (durably) and polls it. Adding a run that is already being watched is a nudge:
   * the app says something changed (the library does so after submitting tool outputs), so the
   * run is looked at now rather than at the end of its waiting back-off.
   */
  addRun(threadId: string, runId: string, origin: Origin): boolean {
    const added = this.options.state.trackRun(threadId, runId, origin);
    const tracked = this.options.state.getRun(runId);
    if (!tracked || tracked.terminal) return added;
    if (this.runs.has(runId)) this.nudge(runId);
    else this.watchRun(threadId, runId, isLiveOrigin(origin));
    return added;
  }

  addThread(threadId: string, origin: Origin): boolean {
    const added = this.options.state.trackThread(threadId, origin);
    if (!this.threads.has(threadId)) {
      // A new row has no cursor yet; a thread tracked before keeps the one it has.
      const lastRunId = added ? null : (this.options.state.listThreads().find((t) => t.threadId === threadId)?.lastRunId ?? null);
      this.watchThread(threadId, lastRunId);
    }
    return added;
  }

  removeRun(runId: string): boolean {
    this.runs.drop(runId);
    this.looks.remove(`run:${runId}`);
    return this.options.state.untrackRun(runId);
  }

  removeThread(threadId: string): boolean {
    this.threads.delete(threadId);
    this.looks.remove(`thread:${threadId}`);
    // Its unfinished runs stay tracked but no longer get their status from its list: poll each on its own.
    for (const runId of this.runs.ofThread(threadId)) {
      const task = this.runs.get(runId);
      if (!task?.viaThread) continue;
      task.viaThread = false;
      if (!this.looks.isInFlight(`run:${runId}`)) this.schedule(`run:${runId}`, task.delayMs ?? 0, this.classOf(task));
    }
    return this.options.state.untrackThread(threadId);
  }

  /** Every tracked run finished, every tracked thread's last pass found nothing unfinished, nothing in flight. */
  isIdle(): boolean {
    if (this.runs.size > 0 || !this.looks.isIdle()) return false;
    if (this.discovery && this.discovery.passes === 0) return false;
    for (const t of this.threads.values()) if (t.passes === 0 || !t.clean) return false;
    return true;
  }

  /** What the loop holds, for debug logs. */
  snapshot(): { runs: number; threads: number; inFlight: string[]; queued: number; awaitingStatus: string[]; nextDueInMs: number | null } {
    const { inFlight, queued, nextDueInMs } = this.looks.snapshot();
    return {
      runs: this.runs.size,
      threads: this.threads.size,
      inFlight,
      queued,
      awaitingStatus: [...this.runs.entries()].filter(([, t]) => t.awaitingStatus).map(([id, t]) => `${t.threadId}/${id}`),
      nextDueInMs,
    };
  }

  activeRuns(): number {
    return this.runs.size;
  }

  /**
   * No new looks; looks under way may finish within the grace (and the budget), then their
   * requests are cut off, and what is left of the budget is given to them to wind down.
   */
  shutdown(budgetMs?: number): Promise<void> {
    return this.looks.shutdown(budgetMs);
  }

  private watchRun(threadId: string, runId: string, live: boolean): void {
    if (this.runs.has(runId)) return;
    const task = newRunTask(threadId, this.threads.has(threadId), live);
    this.runs.set(runId, task);
    this.schedule(`run:${runId}`, 0, this.classOf(task));
  }

  private watchThread(threadId: string, lastRunId: string | null): void {
    if (this.threads.has(threadId)) return;
    this.threads.set(threadId, { lastRunId, delayMs: undefined, passes: 0, clean: false, order: [] });
    for (const runId of this.runs.ofThread(threadId)) {
      const task = this.runs.get(runId);
      if (task) task.viaThread = true;
    }
    // The first pass finds what runs there now, live ones included: as urgent as looking at them.
    this.schedule(`thread:${threadId}`, 0, ACTIVE);
  }

  private classOf(task: RunTask): LookClass {
    return runLookClass(task);
  }

  /** Looks at the run now: its steps if it was seen before (something moved), else as a first look. */
  private nudge(runId: string): void {
    const task = this.runs.get(runId);
    if (!task) return;
    task.delayMs = undefined;
    if (this.looks.isInFlight(`run:${runId}`)) {
      task.nudged = true;
      return;
    }
    if (task.lastRun && task.lastStatus !== null && !isTerminalRunStatus(task.lastStatus)) {
      task.nextProbe = 'steps';
      task.awaitingStatus = false;
    }
    this.schedule(`run:${runId}`, 0, ACTIVE);
  }

  private schedule(key: TaskKey, delayMs: number, cls: LookClass): void {
    this.looks.schedule(key, delayMs, cls);
  }

  private async runTask(key: TaskKey): Promise<void> {
    const id = key.slice(key.indexOf(':') + 1);
    if (key === DISCOVERY_KEY) await this.discoverThreads();
    else if (key.startsWith('run:')) await this.runPoller.look(id);
    else await this.threadPoller.look(id);
    this.counters.polls += 1;
    this.counters.lastPollAt = Date.now();
    if (!this.firstPollReported) {
      this.firstPollReported = true;
      this.options.onFirstPoll?.();
    }
  }

  /** A failed look: untracks what is gone, counts and logs the rest, and says in which class to retry. */
  private onTaskError(key: TaskKey, error: unknown, { meaning, retryMs }: LookFailure): LookClass | null {
    const { log, state } = this.options;
    const id = key.slice(key.indexOf(':') + 1);
    if (meaning === 'gone' && key !== DISCOVERY_KEY) {
      if (key.startsWith('run:')) {
        this.runs.drop(id);
        state.untrackRun(id);
        this.counters.runsDeleted += 1;
        log.warn(
          { runId: id },
          'the API says this run no longer exists; it is no longer tracked (spans already in the outbox still go out)',
        );
      } else {
        this.threads.delete(id);
        state.untrackThread(id);
        this.counters.threadsDeleted += 1;
        log.warn({ threadId: id }, 'the API says this thread no longer exists; it is no longer tracked');
      }
      return null;
    }
    const message = error instanceof Error ? error.message : String(error);
    this.counters.lastError = message;
    if (meaning === 'backpressure') this.counters.outboxFullRefusals += 1;
    else this.counters.transientErrors += 1;
    // One line per object per minute: a long outage must not flood the log. An API out of reach
    // is said once for all objects, at its own pace (the watch command's reachability log).
    const last = this.warnedAt.get(key) ?? 0;
    const fields = { [key.startsWith('run:') ? 'runId' : 'threadId']: id, reason: message };
    if (error instanceof BridgeError && error.reportedElsewhere) log.debug(fields, 'poll failed; will try again');
    else if (Date.now() - last > 60_000) {
      this.warnedAt.set(key, Date.now());
      log.warn(fields, 'poll failed; will try again');
    }
    // Retried on the error's own backoff from the active interval: a thread that runs wait on
    // must not inherit a long discovery delay.
    const task = key.startsWith('run:') ? this.runs.get(id) : undefined;
    if (task) {
      task.delayMs = retryMs;
      task.fresh = false;
      return this.classOf(task);
    }
    if (key.startsWith('thread:') && this.threads.has(id)) return ROUTINE;
    if (key === DISCOVERY_KEY) return DISCOVERY;
    return null;
  }

  private async discoverThreads(): Promise<void> {
    if (this.discovery) this.schedule(DISCOVERY_KEY, await this.discovery.pass(), DISCOVERY);
  }
}
