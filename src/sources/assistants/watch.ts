// The Assistants source at work in a watch: which run or thread to look at next, one look at a
// time per object, under the request budget. Runs of a tracked thread get their status from the
// thread's run list (one request for all of them); steps are listed only for runs that changed or
// are working. The core's look scheduler runs the looks; this decides what each key means.
import type { Logger } from 'pino';
import type { BridgeConfig } from '../../config/types.js';
import type { SourceLooks, WatchingSource } from '../../core/source.js';
import { LOOK_CLASS, type LookClass, type LookFailure } from '../../scheduler/look-scheduler.js';
import { PollPolicy } from '../../scheduler/poll-policy.js';
import type { StateStore } from '../../state/store.js';
import type { Origin } from '../../state/types.js';
import type { AssistantsSource } from './assistants-source.js';
import { RunLedgerView, type AssistantsLedger } from './run-ledger.js';
import { isTerminalRunStatus } from './statuses.js';
import { RunContextResolver } from './run-context.js';
import { RunPoller } from './run-poller.js';
import { RunTable } from './run-table.js';
import { ThreadDiscovery } from './thread-discovery.js';
import { ThreadPoller, type ThreadTask } from './thread-poller.js';
import { newRunTask, runLookClass, type RunTask } from './run-next-look.js';

const DISCOVERY_KEY = 'discover:threads';
/** State meta key of the thread discovery cursor. */
const DISCOVERY_META = 'all_threads';
const { active: ACTIVE, routine: ROUTINE, discovery: DISCOVERY } = LOOK_CLASS;

export interface AssistantsCounters {
  runsFinished: number;
  runsDeleted: number;
  threadsDeleted: number;
}

export interface AssistantsWatchOptions {
  config: BridgeConfig;
  /** The state file; the Assistants view (runs and threads) is taken over it. */
  store: StateStore;
  source: AssistantsSource;
  log: Logger;
  looks: SourceLooks;
  /** New spans were committed to the outbox. */
  onCommitted: () => void;
  nowSeconds?: () => number;
}

/** Runs an app registered as it created them: live from the start. */
function isLiveOrigin(origin: Origin): boolean {
  return origin === 'control' || origin === 'library';
}

export class AssistantsWatch implements WatchingSource {
  readonly counters: AssistantsCounters = { runsFinished: 0, runsDeleted: 0, threadsDeleted: 0 };
  private readonly looks: SourceLooks;
  private readonly state: AssistantsLedger;
  private readonly runs = new RunTable();
  private readonly threadPoller: ThreadPoller;
  private readonly threads: Map<string, ThreadTask>;
  private readonly runPoller: RunPoller;
  private readonly policy: PollPolicy;
  private started = false;
  private discovery: ThreadDiscovery | null = null;

  private readonly options: AssistantsWatchOptions;

  constructor(options: AssistantsWatchOptions) {
    this.options = options;
    this.policy = PollPolicy.fromWatch(options.config.watch);
    this.looks = options.looks;
    this.state = new RunLedgerView(options.store);
    const contexts = new RunContextResolver({
      source: options.source,
      config: options.config,
      log: options.log,
      recordedContext: (runId) => this.state.getRun(runId)?.frozenContext ?? null,
      ...(options.nowSeconds ? { nowSeconds: options.nowSeconds } : {}),
    });
    this.threadPoller = new ThreadPoller({
      state: this.state,
      source: options.source,
      runs: this.runs,
      looks: this.looks,
      policy: this.policy,
    });
    this.threads = this.threadPoller.threads;
    this.runPoller = new RunPoller({
      config: options.config,
      state: this.state,
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
    this.#trackConfigured();
  }

  /** The runs and threads the settings name, tracked durably as the watch begins (so its first line counts them). */
  #trackConfigured(): void {
    for (const r of this.options.config.watch.runs) this.addRun(r.threadId, r.runId, 'cli');
    for (const t of this.options.config.watch.threads) this.addThread(t, 'cli');
  }

  /** Loads what the state tracks and schedules the looks; once. */
  start(): void {
    if (this.started) return;
    this.started = true;
    const { source, store } = this.options;
    const state = this.state;
    if (this.options.config.watch.allThreads) {
      this.discovery = new ThreadDiscovery({
        source,
        config: this.options.config,
        log: this.options.log,
        policy: this.policy,
        cursor: { read: () => store.getMeta(DISCOVERY_META) ?? null, write: (value) => store.setMeta(DISCOVERY_META, value) },
        follow: (threadId) => this.addThread(threadId, 'cli'),
        ...(this.options.nowSeconds ? { nowSeconds: this.options.nowSeconds } : {}),
      });
      this.discovery.announce();
      this.schedule(DISCOVERY_KEY, 0, DISCOVERY);
    }
    for (const thread of state.listThreads()) this.watchThread(thread.threadId, thread.lastRunId);
    for (const run of state.listRuns({ active: true })) this.watchRun(run.threadId, run.runId, isLiveOrigin(run.origin));
  }

  /**
   * Tracks a run (durably) and polls it. Adding a run that is already being watched is a nudge:
   * the app says something changed (the library does so after submitting tool outputs), so the
   * run is looked at now rather than at the end of its waiting back-off.
   */
  addRun(threadId: string, runId: string, origin: Origin): boolean {
    const added = this.state.trackRun(threadId, runId, origin);
    const tracked = this.state.getRun(runId);
    if (!tracked || tracked.terminal) return added;
    if (this.runs.has(runId)) this.nudge(runId);
    else this.watchRun(threadId, runId, isLiveOrigin(origin));
    return added;
  }

  addThread(threadId: string, origin: Origin): boolean {
    const added = this.state.trackThread(threadId, origin);
    if (!this.threads.has(threadId)) {
      // A new row has no cursor yet; a thread tracked before keeps the one it has.
      const lastRunId = added ? null : (this.state.listThreads().find((t) => t.threadId === threadId)?.lastRunId ?? null);
      this.watchThread(threadId, lastRunId);
    }
    return added;
  }

  removeRun(runId: string): boolean {
    this.runs.drop(runId);
    this.looks.remove(`run:${runId}`);
    return this.state.untrackRun(runId);
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
    return this.state.untrackThread(threadId);
  }

  /** Every tracked run finished, every tracked thread's last pass found nothing unfinished. */
  isIdle(): boolean {
    if (this.runs.size > 0) return false;
    if (this.discovery && this.discovery.passes === 0) return false;
    for (const t of this.threads.values()) if (t.passes === 0 || !t.clean) return false;
    return true;
  }

  /** What the loop holds, for debug logs. */
  snapshot(): Record<string, unknown> {
    return {
      runs: this.runs.size,
      threads: this.threads.size,
      awaitingStatus: [...this.runs.entries()].filter(([, t]) => t.awaitingStatus).map(([id, t]) => `${t.threadId}/${id}`),
    };
  }

  summary(): Record<string, number> {
    const stats = this.state.stats();
    return { runs: stats.activeRuns, threads: stats.trackedThreads };
  }

  progress(): { tracked: number; active: number } {
    const stats = this.state.stats();
    return { tracked: stats.trackedRuns, active: stats.activeRuns };
  }

  deletions(): Record<string, number> {
    return { run: this.counters.runsDeleted, thread: this.counters.threadsDeleted };
  }

  describe(key: string): Record<string, string> {
    const id = key.slice(key.indexOf(':') + 1);
    if (key === DISCOVERY_KEY) return { discovery: 'threads' };
    return { [key.startsWith('run:') ? 'runId' : 'threadId']: id };
  }

  activeRuns(): number {
    return this.runs.size;
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

  private schedule(key: string, delayMs: number, cls: LookClass): void {
    this.looks.schedule(key, delayMs, cls);
  }

  async look(key: string): Promise<void> {
    const id = key.slice(key.indexOf(':') + 1);
    if (key === DISCOVERY_KEY) await this.discoverThreads();
    else if (key.startsWith('run:')) await this.runPoller.look(id);
    else await this.threadPoller.look(id);
  }

  /** A failed look: untracks what is gone, and says in which class to retry the rest. */
  onLookFailure(key: string, _error: unknown, { meaning, retryMs }: LookFailure): LookClass | null {
    const { log } = this.options;
    const state = this.state;
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
