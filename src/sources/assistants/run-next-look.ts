// What a look at a run does first, and when and how the next one looks, as pure functions of
// what the run poller knows: no request, no clock, no store.
import { LOOK_CLASS, type LookClass } from '../../scheduler/look-scheduler.js';
import type { PollPolicy } from '../../scheduler/poll-policy.js';
import type { RunPayload } from './payloads.js';
import { isTerminalRunStatus, isWaitingRunStatus, runStatusGroup, STATUS } from './statuses.js';

/** What the run poller keeps between looks at a run. */
export interface RunTask {
  threadId: string;
  /** Its thread is tracked: the thread's run list brings its status. */
  viaThread: boolean;
  /** The latest copy of the run seen (from a retrieve or the thread's list). */
  lastRun: RunPayload | null;
  /** `lastRun` arrived from the thread's list since the last look: its status is fresh. */
  fresh: boolean;
  /** Waiting for the thread's next list to bring its status. */
  awaitingStatus: boolean;
  /** The thread's list did not show it (deleted, or listed before it): ask for the run itself. */
  retrieveNext: boolean;
  /** What the next look asks: the run's status, or its steps after the cursor. */
  nextProbe: 'status' | 'steps';
  lastStatus: string | null;
  delayMs: number | undefined;
  /** Polls of a terminal run whose steps are not all terminal yet. */
  finalizeTries: number;
  /** Told that something changed while a look was under way: look again when it ends. */
  nudged: boolean;
  /** Its last steps look found it waiting for the app's tool outputs. */
  onClient: boolean;
  /** Registered by an app as it created the run (control route, library): live until seen otherwise. */
  live: boolean;
}

export function newRunTask(threadId: string, viaThread: boolean, live = false): RunTask {
  return {
    threadId,
    viaThread,
    lastRun: null,
    fresh: false,
    awaitingStatus: false,
    retrieveNext: false,
    nextProbe: 'status',
    lastStatus: null,
    delayMs: undefined,
    finalizeTries: 0,
    nudged: false,
    onClient: false,
    live,
  };
}

/**
 * Live runs (working, queued to start, or just registered by an app) are looked at before runs
 * that wait for the app's tool outputs, finished backlog, and discovery.
 */
export function runLookClass(task: RunTask): LookClass {
  const status = task.lastStatus ?? task.lastRun?.status ?? null;
  if (status === null) return task.live ? LOOK_CLASS.active : LOOK_CLASS.routine;
  if (status === STATUS.requiresAction || task.onClient) return LOOK_CLASS.routine;
  // A run first seen finished is backlog; one seen working and now finishing stays active.
  return task.lastStatus === null && isTerminalRunStatus(status) ? LOOK_CLASS.routine : LOOK_CLASS.active;
}

/** How a look at a run starts. */
export type RunLookStart =
  /** The thread's list brought a fresh copy: its status is news. */
  | { kind: 'fresh-copy'; run: RunPayload }
  /** The run is working: list its steps, with the copy in hand. */
  | { kind: 'steps'; run: RunPayload }
  /** The thread's next list brings its status (one request for all its runs): no request now. */
  | { kind: 'awaiting-status' }
  /** Ask for the run (a retrieve, or the shared list of its thread's newest runs). */
  | { kind: 'look-up' };

export function runLookStart(task: RunTask): RunLookStart {
  if (task.fresh && task.lastRun) return { kind: 'fresh-copy', run: task.lastRun };
  if (task.nextProbe === 'steps' && task.lastRun) return { kind: 'steps', run: task.lastRun };
  if (task.viaThread && !task.retrieveNext) return { kind: 'awaiting-status' };
  return { kind: 'look-up' };
}

/** What one look at a run found, as far as the next look cares. */
export interface RunLookOutcome {
  status: string | null;
  /** The status came with this look, not a copy from an earlier one. */
  statusIsFresh: boolean;
  /** A fresh status that differs from the last one seen. */
  changed: boolean;
  /** The run is in a terminal status. */
  terminal: boolean;
  /** Its steps were listed in this look. */
  listedSteps: boolean;
  /** Its run span is out: nothing is left to trace. */
  done: boolean;
  /** The app said something changed while this look was under way. */
  nudged: boolean;
  /** A listed step waits for the app's tool outputs. */
  awaitingToolOutputs: boolean;
  newSteps: number;
  pendingSteps: number;
  /** The model has answered (the run usually ends next). */
  answered: boolean;
}

/** Where a run stands after a look, for its next one. */
export type RunState =
  | { kind: 'finished' }
  /** Terminal, with steps that lag behind it. */
  | { kind: 'finalizing' }
  | { kind: 'nudged' }
  /** Queued, or requiring action: it does not move on its own. */
  | { kind: 'waiting'; status: string; changed: boolean }
  /** Its status says working, but a step waits for the app's tool outputs. */
  | { kind: 'waiting-on-client'; changed: boolean }
  /** `stepsNext`: a step is under way (watch the steps); else ask the status. */
  | { kind: 'working'; status: string | null; changed: boolean; stepsNext: boolean };

export function runStateAfter(look: RunLookOutcome): RunState {
  if (look.done) return { kind: 'finished' };
  if (look.terminal) return { kind: 'finalizing' };
  if (look.nudged) return { kind: 'nudged' };
  const onClient = look.listedSteps && look.awaitingToolOutputs;
  const moving = look.listedSteps && (look.newSteps > 0 || (look.pendingSteps > 0 && !onClient));
  const changed = look.changed || moving;
  if (look.status !== null && isWaitingRunStatus(look.status)) return { kind: 'waiting', status: look.status, changed };
  if (onClient) return { kind: 'waiting-on-client', changed };
  // Between steps, or once the model has answered, the status says what comes next.
  const stepsNext = (moving && !look.answered) || (look.statusIsFresh && !look.listedSteps);
  return { kind: 'working', status: look.status, changed, stepsNext };
}

export interface RunPacing {
  policy: PollPolicy;
  activeIntervalMs: number;
  /** The delay before this look; undefined for a first look or after a nudge. */
  previousDelayMs: number | undefined;
  /** Its thread is tracked: a status look waits for the thread's next list. */
  viaThread: boolean;
}

export type NextRunLook =
  | { kind: 'drop' }
  | {
      kind: 'look';
      probe: 'status' | 'steps';
      inMs: number;
      /** The delay to remember for the next backoff: 'keep' leaves it as it was. */
      delayMs: number | undefined | 'keep';
      /** Look in the active class, whatever the run's own class. */
      urgent: boolean;
      /** A status look the thread's next list answers. */
      viaThread: boolean;
    };

export function nextRunLook(state: RunState, pacing: RunPacing): NextRunLook {
  switch (state.kind) {
    case 'finished':
      return { kind: 'drop' };
    case 'finalizing':
      // Its steps lag behind the run: list them again shortly, with the run as it is.
      return { kind: 'look', probe: 'steps', inMs: pacing.activeIntervalMs, delayMs: 'keep', urgent: false, viaThread: false };
    case 'nudged':
      // Told of a change during the look: its steps show what moved.
      return { kind: 'look', probe: 'steps', inMs: 0, delayMs: undefined, urgent: true, viaThread: false };
    default: {
      const pace = state.kind === 'working' ? state.status : state.kind === 'waiting' ? state.status : STATUS.requiresAction;
      const delayMs =
        pacing.policy.nextRunDelay({ pace: runStatusGroup(pace), changed: state.changed, previousDelayMs: pacing.previousDelayMs }) ??
        pacing.activeIntervalMs;
      const probe = state.kind === 'working' && state.stepsNext ? 'steps' : 'status';
      return { kind: 'look', probe, inMs: delayMs, delayMs, urgent: false, viaThread: probe === 'status' && pacing.viaThread };
    }
  }
}
