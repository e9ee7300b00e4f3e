// Renders API objects (documented shapes) as they are at a given world time.
import { present } from '../core/present.js';
import type { StepPlan, ToolCallPlan, Usage } from './plans.js';
import type { ApiObject, AssistantState, RunState, ThreadState } from './state.js';
import { runStatusAt, type StepTimeline } from './timeline.js';

const FILE_SEARCH_RANKING = { ranker: 'default_2024_08_21', score_threshold: 0 };

export function assistantTools(functions: readonly string[]): ApiObject[] {
  return [
    { type: 'code_interpreter' },
    { type: 'file_search', file_search: { max_num_results: 20, ranking_options: FILE_SEARCH_RANKING } },
    ...functions.map((name) => ({
      type: 'function',
      function: { name, description: `Calls ${name}.`, parameters: { type: 'object', properties: {}, required: [] }, strict: false },
    })),
  ];
}

export function renderAssistant(a: AssistantState): ApiObject {
  return {
    id: a.id,
    object: 'assistant',
    created_at: a.createdAt,
    name: a.name,
    description: a.description,
    model: a.model,
    instructions: a.instructions,
    tools: a.tools,
    tool_resources: {},
    metadata: {},
    temperature: a.temperature,
    top_p: a.topP,
    response_format: a.responseFormat,
  };
}

export function renderThread(t: ThreadState): ApiObject {
  return { id: t.id, object: 'thread', created_at: t.createdAt, metadata: t.metadata, tool_resources: {} };
}

const addUsage = (a: Usage, b: Usage): Usage => ({
  prompt_tokens: a.prompt_tokens + b.prompt_tokens,
  completion_tokens: a.completion_tokens + b.completion_tokens,
  total_tokens: a.total_tokens + b.total_tokens,
});

/** The steps that exist at `t`, in creation order. */
export function visibleSteps(run: RunState, t: number): StepTimeline[] {
  const out: StepTimeline[] = [];
  for (const step of run.timeline.steps) {
    if (step.createdAt > t) break;
    out.push(step);
  }
  return out;
}

export function renderRun(run: RunState, t: number): ApiObject {
  const tl = run.timeline;
  const status = runStatusAt(tl, t);
  const terminal = t >= tl.endAt;
  const at = (s: string): number | null => (terminal && tl.endStatus === s ? tl.endAt : null);
  let usage: Usage | null = null;
  if (terminal) {
    usage = { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 };
    for (const step of tl.steps) usage = addUsage(usage, present(run.plan.steps[step.index], 'plan step').usage);
  }
  return {
    id: run.id,
    object: 'thread.run',
    created_at: tl.createdAt,
    assistant_id: run.assistant.id,
    thread_id: run.threadId,
    status,
    started_at: tl.startedAt !== null && t >= tl.startedAt ? tl.startedAt : null,
    // The deadline is shown while the run can still expire, and kept on an expired run.
    expires_at: !terminal || tl.endStatus === 'expired' ? tl.expiresAt : null,
    cancelled_at: at('cancelled'),
    failed_at: at('failed'),
    completed_at: at('completed'),
    required_action: status === 'requires_action' ? requiredAction(run) : null,
    last_error: terminal && tl.endStatus === 'failed' ? (run.plan.lastError ?? null) : null,
    model: run.model,
    instructions: run.instructions,
    tools: run.tools,
    metadata: run.metadata,
    incomplete_details: terminal && tl.endStatus === 'incomplete' ? { reason: run.plan.incompleteReason ?? 'max_completion_tokens' } : null,
    usage,
    temperature: run.temperature,
    top_p: run.topP,
    max_prompt_tokens: run.maxPromptTokens,
    max_completion_tokens: run.maxCompletionTokens,
    truncation_strategy: { type: 'auto', last_messages: null },
    response_format: run.responseFormat,
    tool_choice: 'auto',
    parallel_tool_calls: true,
    ...run.plan.extra,
  };
}

function requiredAction(run: RunState): ApiObject | null {
  const action = run.timeline.action;
  if (!action) return null;
  const plan = present(run.plan.steps[action.stepIndex], 'plan step');
  const ids = run.callIds[action.stepIndex] ?? [];
  const toolCalls = plan.toolCalls.flatMap((call, i) =>
    call.type === 'function' ? [{ id: ids[i], type: 'function', function: { name: call.name, arguments: call.arguments } }] : [],
  );
  return { type: 'submit_tool_outputs', submit_tool_outputs: { tool_calls: toolCalls } };
}

export interface StepRenderOptions {
  /** `include[]=step_details.tool_calls[*].file_search.results[*].content`. */
  fileSearchContent: boolean;
}

export function renderStep(run: RunState, step: StepTimeline, t: number, options: StepRenderOptions): ApiObject {
  const plan = present(run.plan.steps[step.index], 'plan step');
  const terminal = t >= step.endAt;
  const status = terminal ? step.endStatus : 'in_progress';
  const at = (s: string): number | null => (terminal && step.endStatus === s ? step.endAt : null);
  const type = plan.type === 'undocumented' ? (plan.undocumented?.type ?? 'unknown') : plan.type;
  return {
    id: run.stepIds[step.index],
    object: 'thread.run.step',
    created_at: step.createdAt,
    run_id: run.id,
    assistant_id: run.assistant.id,
    thread_id: run.threadId,
    type,
    status,
    cancelled_at: at('cancelled'),
    completed_at: at('completed'),
    expired_at: at('expired'),
    failed_at: at('failed'),
    last_error: terminal && step.endStatus === 'failed' ? (plan.fails ?? null) : null,
    step_details: stepDetails(run, step.index, plan, status === 'completed', options),
    usage: terminal ? plan.usage : null,
    metadata: null,
    ...plan.extra,
  };
}

function stepDetails(run: RunState, index: number, plan: StepPlan, done: boolean, options: StepRenderOptions): ApiObject {
  if (plan.type === 'message_creation') return { type: 'message_creation', message_creation: { message_id: run.messageIds[index] } };
  if (plan.type === 'undocumented') {
    const type = plan.undocumented?.type ?? 'unknown';
    return { type, [type]: plan.undocumented?.details ?? {} };
  }
  const ids = run.callIds[index] ?? [];
  const submitted = run.timeline.autoSubmitted ? undefined : run.interactions.submitted?.outputs;
  return {
    type: 'tool_calls',
    tool_calls: plan.toolCalls.map((call, i) => renderToolCall(call, ids[i] ?? '', done, options, submitted)),
  };
}

function renderToolCall(
  call: ToolCallPlan,
  id: string,
  done: boolean,
  options: StepRenderOptions,
  submitted?: Record<string, string>,
): ApiObject {
  switch (call.type) {
    case 'function':
      return {
        id,
        type: 'function',
        function: { name: call.name, arguments: call.arguments, output: done ? (submitted?.[id] ?? call.output) : null },
      };
    case 'code_interpreter':
      return {
        id,
        type: 'code_interpreter',
        code_interpreter: {
          input: call.input,
          outputs: done
            ? [
                { type: 'logs', logs: call.logs },
                { type: 'image', image: { file_id: call.imageFileId } },
              ]
            : [],
        },
      };
    case 'file_search':
      return {
        id,
        type: 'file_search',
        file_search: {
          ranking_options: FILE_SEARCH_RANKING,
          results: done
            ? call.results.map((r) => ({
                file_id: r.file_id,
                file_name: r.file_name,
                score: r.score,
                ...(options.fileSearchContent ? { content: [{ type: 'text', text: r.text }] } : {}),
              }))
            : [],
        },
      };
    case 'undocumented':
      return { id, ...call.raw };
  }
}
