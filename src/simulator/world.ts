// The live world: creates scheduled runs when due, applies client actions to runs, and answers
// what every run will finally look like (the truth tests compare the bridge's output with).
import { present } from '../core/present.js';
import { badRequest, notFound, type ApiError } from './errors.js';
import { createIdFactory, type IdFactory } from './ids.js';
import { renderRun, renderStep } from './objects.js';
import { buildPlan, servedKinds, type RunKind } from './plans.js';
import { createPrng, deriveSeed } from './prng.js';
import type { Clock } from './clock.js';
import type { ApiObject, AssistantState, RunOrigin, RunOverrides, RunState, ThreadState, Truth } from './state.js';
import { buildTimeline, runStatusAt } from './timeline.js';
import { generateWorld, instantiateRun, resolveWorldSpec, type WorldSpec } from './worldgen.js';

const CLIENT_KINDS: readonly RunKind[] = ['message', 'message', 'tools', 'requires_action'];

export type Presenter = (kind: 'run' | 'step', body: ApiObject) => ApiObject;

export class World {
  readonly assistants: readonly AssistantState[];
  private readonly threadList: ThreadState[];
  private readonly threadsById = new Map<string, ThreadState>();
  private readonly runsById = new Map<string, RunState>();
  /** The next run a client creates on a thread, scripted ahead (see scriptNextClientRun). */
  private readonly clientScripts = new Map<string, { kind?: RunKind; autoSubmit: boolean }>();
  private readonly ids: IdFactory;
  /** The kinds of run this world's service has (no Foundry tools on Azure OpenAI, say). */
  readonly kinds: readonly RunKind[];

  constructor(
    readonly seed: number,
    readonly clock: Clock,
    spec: WorldSpec = {},
  ) {
    this.ids = createIdFactory(seed);
    const resolved = resolveWorldSpec(spec);
    this.kinds = servedKinds(resolved);
    const generated = generateWorld(seed, resolved, clock.startEpoch, this.ids);
    this.assistants = generated.assistants;
    this.threadList = generated.threads;
    for (const thread of this.threadList) {
      this.threadsById.set(thread.id, thread);
      for (const run of thread.runs) this.runsById.set(run.id, run);
    }
  }

  now(): number {
    return this.clock.now();
  }

  /** Moves the clock forward by hand and returns the new time. */
  advance(seconds: number): number {
    return this.clock.advance(seconds);
  }

  /** Creates every scheduled run that is due by `now` on a thread that is free by then. */
  sync(now: number): void {
    for (const thread of this.threadList) {
      for (let next = thread.pending[0]; next && next.startAt <= now; next = thread.pending[0]) {
        const last = thread.runs[thread.runs.length - 1];
        const freeAt = last ? last.timeline.endAt : -Infinity;
        if (freeAt > now) break;
        thread.pending.shift();
        const run = instantiateRun(
          this.ids,
          thread,
          present(this.assistants[next.plan.assistantIndex], 'assistant'),
          next.plan,
          Math.max(next.startAt, freeAt),
          'live',
        );
        this.runsById.set(run.id, run);
      }
    }
  }

  threads(): readonly ThreadState[] {
    return this.threadList;
  }

  runs(): RunState[] {
    return [...this.runsById.values()];
  }

  findThread(id: string): ThreadState | undefined {
    return this.threadsById.get(id);
  }

  findRun(id: string): RunState | undefined {
    return this.runsById.get(id);
  }

  findAssistant(id: string): AssistantState | undefined {
    return this.assistants.find((a) => a.id === id);
  }

  /** Only a thread's latest run can be active: runs on a thread never overlap. */
  activeRun(thread: ThreadState, now: number): RunState | undefined {
    const last = thread.runs[thread.runs.length - 1];
    return last && now < last.timeline.endAt ? last : undefined;
  }

  createThread(now: number, metadata: Record<string, string> = {}): ThreadState {
    const thread: ThreadState = { id: this.ids.next('thread'), seq: 0, createdAt: now, metadata, runs: [], pending: [] };
    thread.seq = this.ids.count;
    this.threadList.push(thread);
    this.threadsById.set(thread.id, thread);
    return thread;
  }

  /** Starts a run now; its life is scripted from the seed (and `kind`, when given). */
  createRun(
    now: number,
    thread: ThreadState,
    assistant: AssistantState,
    options: { kind?: RunKind; overrides?: RunOverrides; origin?: RunOrigin } = {},
  ): RunState | ApiError {
    this.sync(now);
    const active = this.activeRun(thread, now);
    if (active) return badRequest(`Thread ${thread.id} already has an active run ${active.id}.`);
    const origin = options.origin ?? 'client';
    const script = origin === 'client' ? this.clientScripts.get(thread.id) : undefined;
    if (script) this.clientScripts.delete(thread.id);
    const p = createPrng(deriveSeed(this.seed, 0xc11e, this.ids.count));
    const kind = options.kind ?? script?.kind ?? p.pick(CLIENT_KINDS);
    // A created run is always answered as `queued`, so it holds the thread for at least a second.
    const plan = buildPlan(kind, p, assistant.seedIndex, { minQueuedFor: 1 });
    if (script?.autoSubmit === false) plan.autoSubmitAfter = null;
    const run = instantiateRun(this.ids, thread, assistant, plan, now, origin, options.overrides);
    this.runsById.set(run.id, run);
    return run;
  }

  /** POST /_sim/runs: a scripted run now, on a new thread unless one is named. */
  startScriptedRun(now: number, options: { threadId?: string; kind?: RunKind }): RunState | ApiError {
    this.sync(now);
    let thread: ThreadState | undefined;
    if (options.threadId !== undefined) {
      thread = this.findThread(options.threadId);
      if (!thread) return notFound('thread', options.threadId);
    } else {
      thread = this.createThread(now);
    }
    const assistant = present(
      this.assistants[createPrng(deriveSeed(this.seed, 0xa551, this.ids.count)).int(0, this.assistants.length - 1)],
      'assistant',
    );
    return this.createRun(now, thread, assistant, { kind: options.kind, origin: 'control' });
  }

  /**
   * Scripts the next run a client creates on the thread through the API: its kind, and with
   * `autoSubmit: false` no tool outputs of the simulator's own, so the run waits for the client's
   * (or expires). For a bench or test that plays the app.
   */
  scriptNextClientRun(threadId: string, script: { kind?: RunKind; autoSubmit?: boolean }): ApiError | null {
    if (!this.threadsById.has(threadId)) return notFound('thread', threadId);
    const unserved = this.unservedKind(script.kind);
    if (unserved) return unserved;
    this.clientScripts.set(threadId, { kind: script.kind, autoSubmit: script.autoSubmit ?? true });
    return null;
  }

  /** Why a run of `kind` cannot be had here (its service lacks the tools), or null. */
  unservedKind(kind: RunKind | undefined): ApiError | null {
    return kind === undefined || this.kinds.includes(kind)
      ? null
      : badRequest(`This service has no runs of kind '${kind}' (it has ${this.kinds.join(', ')}).`);
  }

  cancelRun(run: RunState, now: number): ApiError | null {
    const status = runStatusAt(run.timeline, now);
    if (status !== 'queued' && status !== 'in_progress' && status !== 'requires_action') {
      return badRequest(`Cannot cancel run with status '${status}'.`);
    }
    run.interactions = { ...run.interactions, cancelAt: now };
    run.timeline = buildTimeline(run.plan, run.timeline.createdAt, run.interactions);
    return null;
  }

  submitToolOutputs(run: RunState, now: number, outputs: { tool_call_id: string; output: string }[]): ApiError | null {
    const status = runStatusAt(run.timeline, now);
    const action = run.timeline.action;
    if (status !== 'requires_action' || !action) return badRequest(`Runs in status "${status}" do not accept tool outputs.`);
    const expected = (run.callIds[action.stepIndex] ?? []).filter(
      (_, i) => present(run.plan.steps[action.stepIndex], 'plan step').toolCalls[i]?.type === 'function',
    );
    const given = outputs.map((o) => o.tool_call_id);
    const missing = expected.filter((id) => !given.includes(id));
    const unknown = given.filter((id) => !expected.includes(id));
    if (missing.length > 0 || unknown.length > 0) {
      return badRequest(`Expected tool outputs for call_ids ${JSON.stringify(expected)}, got ${JSON.stringify(given)}`, 'tool_outputs');
    }
    run.interactions = {
      ...run.interactions,
      submitted: { at: now, outputs: Object.fromEntries(outputs.map((o) => [o.tool_call_id, o.output])) },
    };
    run.timeline = buildTimeline(run.plan, run.timeline.createdAt, run.interactions);
    return null;
  }

  /** Cheap progress report: how many runs exist and whether all (scheduled ones too) have ended. */
  summary(): { now: number; runs: number; pending: number; allFinished: boolean } {
    const now = this.now();
    this.sync(now);
    const pending = this.threadList.reduce((n, t) => n + t.pending.length, 0);
    let finished = true;
    for (const run of this.runsById.values()) if (now < run.timeline.endAt) finished = false;
    return { now, runs: this.runsById.size, pending, allFinished: pending === 0 && finished };
  }

  /** Every run as it will end if nothing else intervenes; `allFinished` once all have ended. */
  truth(present: Presenter = (_kind, body) => body): Truth {
    const now = this.now();
    this.sync(now);
    const runs = [...this.runsById.values()].sort((a, b) => a.seq - b.seq);
    const pending = this.threadList.flatMap((t) => t.pending.map((p) => ({ threadId: t.id, kind: p.plan.kind, scheduledAt: p.startAt })));
    return {
      now,
      allFinished: pending.length === 0 && runs.every((r) => now >= r.timeline.endAt),
      runs: runs.map((run) => {
        const end = run.timeline.endAt;
        return {
          threadId: run.threadId,
          runId: run.id,
          kind: run.plan.kind,
          origin: run.origin,
          expectedStatus: run.timeline.endStatus,
          finished: now >= end,
          run: present('run', renderRun(run, end)),
          steps: run.timeline.steps.map((s) => present('step', renderStep(run, s, Math.max(end, s.endAt), { fileSearchContent: true }))),
        };
      }),
      pending,
      assistants: this.assistants.map((a) => ({ id: a.id, name: a.name, description: a.description, model: a.model })),
    };
  }
}
