// The run poller's decisions without I/O: how a look starts, where the run stands after it, and
// when and how the next look asks (its steps or its status, on its own or through its thread).
import { describe, expect, it } from 'vitest';
import { LOOK_CLASS } from '../../src/scheduler/look-scheduler.js';
import { PollPolicy } from '../../src/scheduler/poll-policy.js';
import type { RunPayload } from '../../src/sources/assistants/payloads.js';
import {
  newRunTask,
  nextRunLook,
  runLookClass,
  runLookStart,
  runStateAfter,
  type RunLookOutcome,
  type RunPacing,
} from '../../src/sources/assistants/run-next-look.js';

const policy = new PollPolicy({ activeIntervalMs: 100, waitingMaxMs: 1_000, inProgressMaxMs: 100, discoveryIntervalMs: 500 });
const pacing: RunPacing = { policy, activeIntervalMs: 100, previousDelayMs: undefined, viaThread: false };

function outcome(over: Partial<RunLookOutcome>): RunLookOutcome {
  return {
    status: 'in_progress',
    statusIsFresh: true,
    changed: false,
    terminal: false,
    listedSteps: true,
    done: false,
    nudged: false,
    awaitingToolOutputs: false,
    newSteps: 0,
    pendingSteps: 0,
    answered: false,
    ...over,
  };
}

const run = (status: string): RunPayload => ({ id: 'run_1', thread_id: 'thread_1', status });

describe('how a look at a run starts', () => {
  it('uses a fresh copy from the thread list, else the copy in hand for a steps look, else waits for the thread or looks it up', () => {
    const task = newRunTask('thread_1', true);
    expect(runLookStart(task)).toEqual({ kind: 'awaiting-status' });
    task.retrieveNext = true;
    expect(runLookStart(task)).toEqual({ kind: 'look-up' });
    task.lastRun = run('in_progress');
    task.nextProbe = 'steps';
    expect(runLookStart(task)).toEqual({ kind: 'steps', run: task.lastRun });
    task.fresh = true;
    expect(runLookStart(task)).toEqual({ kind: 'fresh-copy', run: task.lastRun });
    expect(runLookStart(newRunTask('thread_1', false))).toEqual({ kind: 'look-up' });
  });
});

describe('the class of a look at a run', () => {
  it('puts live and working runs first, waiting ones and backlog after', () => {
    expect(runLookClass(newRunTask('t', false, true))).toBe(LOOK_CLASS.active);
    expect(runLookClass(newRunTask('t', false))).toBe(LOOK_CLASS.routine);
    const working = { ...newRunTask('t', false), lastStatus: 'in_progress' };
    expect(runLookClass(working)).toBe(LOOK_CLASS.active);
    expect(runLookClass({ ...working, onClient: true })).toBe(LOOK_CLASS.routine);
    expect(runLookClass({ ...working, lastStatus: 'requires_action' })).toBe(LOOK_CLASS.routine);
    expect(runLookClass({ ...newRunTask('t', false), lastRun: run('completed') })).toBe(LOOK_CLASS.routine);
    expect(runLookClass({ ...working, lastRun: run('completed') })).toBe(LOOK_CLASS.active);
  });
});

describe('where a run stands after a look', () => {
  it('is finished once its run span is out, finalizing when terminal with steps behind, nudged when told of a change', () => {
    expect(runStateAfter(outcome({ done: true, terminal: true, nudged: true }))).toEqual({ kind: 'finished' });
    expect(runStateAfter(outcome({ terminal: true, status: 'completed', nudged: true }))).toEqual({ kind: 'finalizing' });
    expect(runStateAfter(outcome({ nudged: true }))).toEqual({ kind: 'nudged' });
  });

  it('waits when queued or requiring action, and when a step waits for tool outputs under a working status', () => {
    expect(runStateAfter(outcome({ status: 'queued', changed: true }))).toEqual({ kind: 'waiting', status: 'queued', changed: true });
    expect(runStateAfter(outcome({ status: 'requires_action', awaitingToolOutputs: true }))).toEqual({
      kind: 'waiting',
      status: 'requires_action',
      changed: false,
    });
    expect(runStateAfter(outcome({ awaitingToolOutputs: true, pendingSteps: 1 }))).toEqual({ kind: 'waiting-on-client', changed: false });
    // A status-only look cannot know of a step waiting on the client.
    expect(runStateAfter(outcome({ awaitingToolOutputs: true, listedSteps: false }))).toMatchObject({ kind: 'working' });
  });

  it('watches the steps while a step is under way, the status between steps and once the model has answered', () => {
    expect(runStateAfter(outcome({ newSteps: 1 }))).toEqual({ kind: 'working', status: 'in_progress', changed: true, stepsNext: true });
    expect(runStateAfter(outcome({ pendingSteps: 1 }))).toEqual({ kind: 'working', status: 'in_progress', changed: true, stepsNext: true });
    expect(runStateAfter(outcome({ newSteps: 1, answered: true }))).toMatchObject({ stepsNext: false, changed: true });
    expect(runStateAfter(outcome({}))).toEqual({ kind: 'working', status: 'in_progress', changed: false, stepsNext: false });
    // A fresh unchanged status with no steps listed: the steps are next.
    expect(runStateAfter(outcome({ listedSteps: false }))).toMatchObject({ stepsNext: true });
    expect(runStateAfter(outcome({ listedSteps: false, statusIsFresh: false }))).toMatchObject({ stepsNext: false });
  });
});

describe('the next look at a run', () => {
  it('drops a finished run, lists a finalizing one again after the active interval, looks at a nudged one now', () => {
    expect(nextRunLook({ kind: 'finished' }, pacing)).toEqual({ kind: 'drop' });
    expect(nextRunLook({ kind: 'finalizing' }, { ...pacing, previousDelayMs: 800, viaThread: true })).toEqual({
      kind: 'look',
      probe: 'steps',
      inMs: 100,
      delayMs: 'keep',
      urgent: false,
      viaThread: false,
    });
    expect(nextRunLook({ kind: 'nudged' }, { ...pacing, previousDelayMs: 800, viaThread: true })).toEqual({
      kind: 'look',
      probe: 'steps',
      inMs: 0,
      delayMs: undefined,
      urgent: true,
      viaThread: false,
    });
  });

  it('backs off a waiting run up to the waiting maximum, and asks its status through its thread when tracked', () => {
    const waiting = { kind: 'waiting', status: 'requires_action', changed: false } as const;
    expect(nextRunLook(waiting, { ...pacing, previousDelayMs: 100 })).toMatchObject({ probe: 'status', inMs: 200, delayMs: 200 });
    expect(nextRunLook(waiting, { ...pacing, previousDelayMs: 800 })).toMatchObject({ inMs: 1_000 });
    expect(nextRunLook({ ...waiting, changed: true }, { ...pacing, previousDelayMs: 800 })).toMatchObject({ inMs: 100 });
    expect(nextRunLook(waiting, { ...pacing, previousDelayMs: 100, viaThread: true })).toMatchObject({ viaThread: true });
  });

  it('paces a run waiting on the client as a waiting run, though its status says working', () => {
    const look = nextRunLook({ kind: 'waiting-on-client', changed: false }, { ...pacing, previousDelayMs: 400 });
    expect(look).toMatchObject({ probe: 'status', inMs: 800, delayMs: 800 });
    const working = nextRunLook(
      { kind: 'working', status: 'in_progress', changed: false, stepsNext: false },
      { ...pacing, previousDelayMs: 400 },
    );
    expect(working).toMatchObject({ probe: 'status', inMs: 100 });
  });

  it('lists the steps of a working run on its own key, even when its thread is tracked', () => {
    const look = nextRunLook({ kind: 'working', status: 'in_progress', changed: true, stepsNext: true }, { ...pacing, viaThread: true });
    expect(look).toEqual({ kind: 'look', probe: 'steps', inMs: 100, delayMs: 100, urgent: false, viaThread: false });
  });
});
