// What a turn produces besides its trace: the id of every item, call, subagent and subagent turn
// it may create (allocated up front, so ids never depend on when they are read), and its items
// placed in time from its layout.
import { present } from '../../core/present.js';
import type { ApiObject } from '../state.js';
import type { TimedStep, TurnLayout } from './layout.js';
import type { ModelCallPlan, StepPlan, ToolCallPlan, TurnPlan } from './plans.js';
import type { AgentsIdPrefix } from './state.js';

/** Every id slot of a plan, in the order ids are handed out. */
export function idSlots(plan: TurnPlan): [string, AgentsIdPrefix][] {
  const slots: [string, AgentsIdPrefix][] = [['item:input', 'msg']];
  const sequence = (steps: readonly StepPlan[], at: string): void => {
    for (const [k, step] of steps.entries()) {
      const key = `${at}${k}`;
      if (step.type === 'model') {
        if (step.reasoningSummary !== null) slots.push([`item:reasoning:${key}`, 'rs']);
        if (step.finish === 'stop') slots.push([`item:answer:${key}`, 'msg']);
      } else if (step.type === 'tool') {
        slots.push([`call:${key}`, 'call'], [`item:call:${key}`, toolPrefix(step)]);
        if (step.tool === 'function') slots.push([`item:output:${key}`, 'fco']);
      } else {
        for (const [j, sub] of step.subagents.entries()) {
          slots.push(
            [`subagent:${k}:${j}`, 'subagent'],
            [`subturn:${k}:${j}`, 'turn'],
            [`item:spawn:${k}:${j}`, 'sa'],
            [`item:task:${k}:${j}`, 'msg'],
          );
          sequence(sub.steps, `${k}:${j}:`);
          slots.push([`item:result:${k}:${j}`, 'msg'], [`item:close:${k}:${j}`, 'sa']);
        }
        slots.push([`item:wait:${k}`, 'sa']);
      }
    }
  };
  sequence(plan.steps, '');
  return slots;
}

function toolPrefix(step: ToolCallPlan): AgentsIdPrefix {
  if (step.tool === 'web_search') return 'ws';
  if (step.tool === 'command') return 'cmd';
  return 'fc';
}

export interface TurnItemContext {
  ids: ReadonlyMap<string, string>;
  turnId: string;
  /** The session's agent: the sender of what the root agent says to its subagents. */
  agentId: string;
}

/** One item placed in time: it exists from `atNs`, is finished from `doneNs`. */
export interface TimedItem {
  id: string;
  /** Null for the root agent's items; else which subagent's history holds it. */
  subagent: { step: number; index: number } | null;
  atNs: number;
  doneNs: number;
  render(done: boolean): ApiObject;
}

const slot = (ctx: TurnItemContext, key: string): string => {
  const id = ctx.ids.get(key);
  if (id === undefined) throw new Error(`no id slot ${key}`);
  return id;
};

function parseArguments(json: string): unknown {
  try {
    return JSON.parse(json) as unknown;
  } catch {
    return json;
  }
}

const outputText = (text: string) => [{ type: 'output_text', text }];

function sequenceItems(
  ctx: TurnItemContext,
  steps: readonly (ModelCallPlan | ToolCallPlan)[],
  timed: readonly TimedStep[],
  at: string,
  turnId: string,
  subagent: TimedItem['subagent'],
): TimedItem[] {
  const out: TimedItem[] = [];
  for (const t of timed) {
    const step = present(steps[t.index], 'plan step');
    const key = `${at}${t.index}`;
    const finished = t.outcome !== 'cancelled';
    if (step.type === 'model') {
      // A failed or cancelled model call leaves no output.
      if (t.outcome !== 'completed') continue;
      if (step.reasoningSummary !== null) {
        const summary = step.reasoningSummary;
        out.push({
          id: slot(ctx, `item:reasoning:${key}`),
          subagent,
          atNs: t.endNs,
          doneNs: t.endNs,
          render: () => ({ type: 'reasoning', status: 'completed', summary: [{ type: 'summary_text', text: summary }], turn_id: turnId }),
        });
      }
      if (step.finish === 'stop') {
        const text = step.text;
        out.push({
          id: slot(ctx, `item:answer:${key}`),
          subagent,
          atNs: t.endNs,
          doneNs: t.endNs,
          render: () => ({
            type: 'message',
            role: 'assistant',
            phase: 'final_answer',
            status: 'completed',
            content: outputText(text),
            turn_id: turnId,
          }),
        });
      }
      continue;
    }
    const callId = slot(ctx, `call:${key}`);
    const endStatus = t.outcome === 'failed' ? 'failed' : t.outcome === 'cancelled' ? 'incomplete' : 'completed';
    const doneNs = t.endNs;
    if (step.tool === 'function') {
      out.push({
        id: slot(ctx, `item:call:${key}`),
        subagent,
        atNs: t.startNs,
        doneNs: t.startNs,
        render: () => ({
          type: 'function_call',
          call_id: callId,
          name: step.name,
          arguments: parseArguments(step.arguments),
          status: 'completed',
          turn_id: turnId,
        }),
      });
      if (finished) {
        const failed = t.outcome === 'failed';
        out.push({
          id: slot(ctx, `item:output:${key}`),
          subagent,
          atNs: doneNs,
          doneNs,
          render: () => ({
            type: 'function_call_output',
            call_id: callId,
            output: failed ? null : step.result,
            error: failed ? (step.error ?? 'The function call failed.') : null,
            status: endStatus,
            turn_id: turnId,
          }),
        });
      }
    } else if (step.tool === 'web_search') {
      const query = (parseArguments(step.arguments) as { query?: string }).query ?? null;
      out.push({
        id: slot(ctx, `item:call:${key}`),
        subagent,
        atNs: t.startNs,
        doneNs,
        render: (done) => ({
          type: 'web_search_call',
          action: { type: 'search', query, queries: null },
          status: done ? (endStatus === 'failed' ? 'incomplete' : endStatus) : 'in_progress',
          turn_id: turnId,
        }),
      });
    } else {
      const command = (parseArguments(step.arguments) as { command?: string }).command ?? '';
      out.push({
        id: slot(ctx, `item:call:${key}`),
        subagent,
        atNs: t.startNs,
        doneNs,
        render: (done) => ({
          type: 'command_execution',
          command,
          cwd: '/workspace',
          duration_ms: done ? Math.round((t.endNs - t.startNs) / 1e6) : null,
          exit_code: done && endStatus === 'completed' ? 0 : null,
          output: done && endStatus === 'completed' ? 'ok' : null,
          status: done ? endStatus : 'in_progress',
          turn_id: turnId,
        }),
      });
    }
  }
  return out;
}

/** The items of a root turn and of its subagents, as far as its layout goes. */
export function turnItems(ctx: TurnItemContext, plan: TurnPlan, layout: TurnLayout): TimedItem[] {
  const root = ctx.turnId;
  const items: TimedItem[] = [
    {
      id: slot(ctx, 'item:input'),
      subagent: null,
      atNs: 0,
      doneNs: 0,
      render: () => ({
        type: 'message',
        role: 'user',
        phase: null,
        status: 'completed',
        content: [{ type: 'input_text', text: plan.input }],
        turn_id: root,
      }),
    },
  ];
  const flat = plan.steps.map((s) => (s.type === 'subagents' ? null : s));
  for (const t of layout.steps) {
    const step = present(plan.steps[t.index], 'plan step');
    if (step.type !== 'subagents') {
      items.push(...sequenceItems(ctx, flat as (ModelCallPlan | ToolCallPlan)[], [t], '', root, null));
      continue;
    }
    const k = t.index;
    const subIds = (t.subagents ?? []).map((s) => slot(ctx, `subagent:${k}:${s.index}`));
    for (const s of t.subagents ?? []) {
      const plan = present(step.subagents[s.index], 'subagent plan');
      const subagentId = slot(ctx, `subagent:${k}:${s.index}`);
      const subTurn = slot(ctx, `subturn:${k}:${s.index}`);
      const owner = { step: k, index: s.index };
      const finished = s.outcome === 'completed';
      items.push({
        id: slot(ctx, `item:spawn:${k}:${s.index}`),
        subagent: null,
        atNs: t.startNs,
        doneNs: s.startNs,
        render: (done) => ({
          type: 'create_subagent_call',
          agent_id: ctx.agentId,
          content: outputText(plan.task),
          model: plan.model,
          reasoning_effort: null,
          status: done ? 'completed' : 'in_progress',
          turn_id: root,
        }),
      });
      items.push({
        id: slot(ctx, `item:task:${k}:${s.index}`),
        subagent: owner,
        atNs: s.startNs,
        doneNs: s.startNs,
        render: () => ({
          type: 'agent_message',
          content: outputText(plan.task),
          sender_agent_id: ctx.agentId,
          recipient_agent_id: subagentId,
          turn_id: subTurn,
        }),
      });
      items.push(...sequenceItems(ctx, plan.steps, s.steps, `${k}:${s.index}:`, subTurn, owner));
      if (finished) {
        const last = plan.steps[plan.steps.length - 1];
        const text = last?.type === 'model' ? last.text : '';
        items.push({
          id: slot(ctx, `item:result:${k}:${s.index}`),
          subagent: null,
          atNs: s.endNs,
          doneNs: s.endNs,
          render: () => ({
            type: 'agent_message',
            content: outputText(text),
            sender_agent_id: subagentId,
            recipient_agent_id: ctx.agentId,
            turn_id: root,
          }),
        });
      }
      if (t.outcome === 'completed') {
        items.push({
          id: slot(ctx, `item:close:${k}:${s.index}`),
          subagent: null,
          atNs: t.endNs,
          doneNs: t.endNs,
          render: () => ({
            type: 'close_subagent_call',
            sender_agent_id: ctx.agentId,
            recipient_agent_id: subagentId,
            status: 'completed',
            turn_id: root,
          }),
        });
      }
    }
    const waitFrom = (t.subagents ?? []).reduce((m, s) => Math.max(m, s.startNs), t.startNs);
    items.push({
      id: slot(ctx, `item:wait:${k}`),
      subagent: null,
      atNs: waitFrom,
      doneNs: t.endNs,
      render: (done) => ({
        type: 'wait_for_subagents_call',
        sender_agent_id: ctx.agentId,
        recipient_agent_ids: subIds,
        status: done ? (t.outcome === 'completed' ? 'completed' : 'incomplete') : 'in_progress',
        turn_id: root,
      }),
    });
  }
  return items;
}
