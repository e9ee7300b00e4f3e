// Payloads are parsed as `unknown` through passthrough schemas: the SDK's types describe the
// documented shape, but Assistants-compatible services add fields, step types and tool types,
// and an odd value in one field must never cost the whole span. Each known field falls back to
// null when its type is wrong; unknown fields are kept as they came.
import { z } from 'zod';
import type { Run } from 'openai/resources/beta/threads/runs/runs';
import type { RunStep } from 'openai/resources/beta/threads/runs/steps';

const str = z.string().nullish().catch(null);
const num = z.number().finite().nullish().catch(null);
const unixSeconds = z
  .union([z.number().finite(), z.string().regex(/^\d{1,15}$/).transform(Number)])
  .nullish()
  .catch(null);

const lastError = z
  .looseObject({ code: str, message: str })
  .nullish()
  .catch(null);

const usage = z
  .looseObject({ prompt_tokens: num, completion_tokens: num, total_tokens: num })
  .nullish()
  .catch(null);

const metadata = z.record(z.string(), z.unknown()).nullish().catch(null);

/** A run as the bridge reads it: the SDK's `Run`, every field optional, unknown fields kept. */
export const RunSchema = z.looseObject({
  id: z.string().min(1),
  object: str,
  thread_id: str,
  assistant_id: str,
  /** Azure AI Foundry Agent Service names the assistant `agent_id`. */
  agent_id: str,
  status: str,
  model: str,
  instructions: str,
  created_at: unixSeconds,
  started_at: unixSeconds,
  expires_at: unixSeconds,
  completed_at: unixSeconds,
  failed_at: unixSeconds,
  cancelled_at: unixSeconds,
  last_error: lastError,
  incomplete_details: z.looseObject({ reason: str }).nullish().catch(null),
  usage,
  metadata,
});
export type RunPayload = z.infer<typeof RunSchema>;

export const ToolCallSchema = z.looseObject({
  id: str,
  type: str,
});
export type ToolCallPayload = z.infer<typeof ToolCallSchema>;

export const StepSchema = z.looseObject({
  id: z.string().min(1),
  object: str,
  run_id: str,
  thread_id: str,
  assistant_id: str,
  agent_id: str,
  type: str,
  status: str,
  created_at: unixSeconds,
  completed_at: unixSeconds,
  failed_at: unixSeconds,
  cancelled_at: unixSeconds,
  expired_at: unixSeconds,
  last_error: lastError,
  usage,
  metadata,
  step_details: z
    .looseObject({
      type: str,
      tool_calls: z.array(z.unknown()).nullish().catch(null),
      message_creation: z.looseObject({ message_id: str }).nullish().catch(null),
    })
    .nullish()
    .catch(null),
});
export type StepPayload = z.infer<typeof StepSchema>;

export type ParseResult<T> = { ok: true; value: T } | { ok: false; error: string };

function parseWith<T>(schema: z.ZodType<T>, what: string, input: unknown): ParseResult<T> {
  const result = schema.safeParse(input);
  if (result.success) return { ok: true, value: result.data };
  const issue = result.error.issues[0];
  const where = issue?.path.length ? issue.path.join('.') : what;
  const reason = issue?.code === 'invalid_type' ? `missing or not a ${issue.expected}` : (issue?.message ?? 'invalid');
  return { ok: false, error: `${what}: ${where}: ${reason}` };
}

export const parseRun = (input: unknown): ParseResult<RunPayload> => parseWith(RunSchema, 'run', input);
export const parseStep = (input: unknown): ParseResult<StepPayload> => parseWith(StepSchema, 'run step', input);
export function parseToolCall(input: unknown): ToolCallPayload {
  const result = ToolCallSchema.safeParse(input);
  return result.success ? result.data : { id: null, type: null };
}

/** The documented statuses, from the SDK's types; services may send others. */
export type DocumentedRunStatus = Run['status'];
export type DocumentedStepStatus = RunStep['status'];
export const TERMINAL_RUN_STATUSES: ReadonlySet<string> = new Set<DocumentedRunStatus>([
  'completed',
  'failed',
  'cancelled',
  'expired',
  'incomplete',
]);
export const TERMINAL_STEP_STATUSES: ReadonlySet<string> = new Set<DocumentedStepStatus>([
  'completed',
  'failed',
  'cancelled',
  'expired',
]);
