// /_sim routes of the Responses world and its webhooks: the truth, scripted responses, the
// webhook target and secret, deliveries on request (signed, forged, stale, replayed) and their log.
import { z } from 'zod';
import type { ControlContext, ControlResult } from '../control.js';
import { isResponseKind, RESPONSE_KINDS, SCRIPT_ONLY_KINDS } from './kinds.js';
import { responsesDialectFor } from './dialect.js';
import type { WebhookConfig, WebhookDispatcher } from './webhooks/dispatcher.js';
import { checkSecret } from './webhooks/signing.js';
import type { AgentState } from './state.js';
import type { ResponsesWorld } from './world.js';

const problem = (status: number, message: string): ControlResult => ({
  status,
  body: { error: { message, type: 'invalid_request_error', param: null, code: null } },
});

const KINDS = [...RESPONSE_KINDS, ...SCRIPT_ONLY_KINDS].join(', ');

const positive = z.number().int().positive();
export const WebhookConfigSchema = z.strictObject({
  url: z.union([z.url({ protocol: /^https?$/ }), z.null()]).optional(),
  secret: z.string().optional(),
  timeoutMs: positive.optional(),
  retry: z
    .strictObject({ delaysMs: z.array(z.number().int().nonnegative()).max(100), maxElapsedMs: z.number().int().nonnegative() })
    .partial()
    .optional(),
});

/** A full webhook config from `base` and a partial update; a string when the update is wrong. */
export function mergeWebhookConfig(base: WebhookConfig, update: unknown): WebhookConfig | string {
  const parsed = WebhookConfigSchema.safeParse(update ?? {});
  if (!parsed.success) return parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ');
  const u = parsed.data;
  const merged: WebhookConfig = {
    url: u.url === undefined ? base.url : u.url,
    secret: u.secret ?? base.secret,
    timeoutMs: u.timeoutMs ?? base.timeoutMs,
    retry: { ...base.retry, ...u.retry },
  };
  return checkSecret(merged.secret) ?? merged;
}

const SendSchema = z.strictObject({
  responseId: z.string(),
  mode: z.enum(['signed', 'forged', 'stale', 'replay']),
  ageSeconds: z.number().int().positive().optional(),
});

const NextSchema = z.strictObject({ kind: z.union([z.string(), z.null()]) });

const ScriptSchema = z.strictObject({
  kind: z.string().optional(),
  /** An agent name, `name:version`, or null for a model-only response. */
  agent: z.union([z.string(), z.null()]).optional(),
  background: z.boolean().optional(),
  conversation: z.boolean().optional(),
  /** Seconds after its creation before the agent-filtered lists show it (their eventual consistency). */
  listLagSeconds: z.number().int().nonnegative().optional(),
});

function agentOf(world: ResponsesWorld, ref: string | null | undefined): AgentState | null | undefined | string {
  if (ref === undefined || ref === null) return ref;
  const [name = '', version] = ref.split(':');
  return world.findAgent(name, version) ?? `no agent '${ref}' (known: ${world.agents.map((a) => `${a.name}:${a.version}`).join(', ')})`;
}

export async function handleResponsesControl(
  ctx: ControlContext,
  world: ResponsesWorld,
  webhooks: WebhookDispatcher,
): Promise<ControlResult | null> {
  switch (`${ctx.method} ${ctx.path}`) {
    case 'GET /responses':
      return { status: 200, body: { ...world.summary(), webhooksPending: webhooks.pending() } };
    case 'GET /responses/truth':
      return { status: 200, body: world.truth({ agentReference: responsesDialectFor(ctx.dialect).agentReference }) };
    case 'POST /responses': {
      const parsed = ScriptSchema.safeParse(ctx.body ?? {});
      if (!parsed.success) return problem(400, parsed.error.issues.map((i) => i.message).join('; '));
      const { kind, background, conversation, listLagSeconds } = parsed.data;
      if (kind !== undefined && !isResponseKind(kind)) return problem(400, `kind must be one of ${KINDS}`);
      const agent = agentOf(world, parsed.data.agent);
      if (typeof agent === 'string') return problem(404, agent);
      const r = world.startScripted(world.now(), { kind, agent, background, conversation, listLagSeconds });
      return { status: 200, body: { response_id: r.id, kind: r.kind, background: r.background, conversation_id: r.conversationId } };
    }
    case 'POST /responses/next': {
      const parsed = NextSchema.safeParse(ctx.body);
      const kind = parsed.success ? parsed.data.kind : undefined;
      if (kind === undefined || (kind !== null && !isResponseKind(kind))) return problem(400, `kind must be null or one of ${KINDS}`);
      world.scriptNextClientResponse(kind);
      return { status: 200, body: { next: kind } };
    }
    case 'GET /webhooks': {
      const { secret: _secret, ...config } = webhooks.get();
      return { status: 200, body: { ...config, pending: webhooks.pending(), deliveries: webhooks.deliveries() } };
    }
    case 'POST /webhooks': {
      const merged = mergeWebhookConfig(webhooks.get(), ctx.body);
      if (typeof merged === 'string') return problem(400, merged);
      webhooks.configure(merged);
      const { secret: _secret, ...config } = merged;
      return { status: 200, body: config };
    }
    case 'DELETE /webhooks':
      webhooks.configure({ ...webhooks.get(), url: null });
      return { status: 200, body: { url: null } };
    case 'POST /webhooks/send': {
      const parsed = SendSchema.safeParse(ctx.body);
      if (!parsed.success) return problem(400, parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
      const r = world.lookup(parsed.data.responseId);
      if (!r) return problem(404, `no response '${parsed.data.responseId}'`);
      const record = await webhooks.send(r, parsed.data.mode, parsed.data.ageSeconds);
      if (!record)
        return problem(
          409,
          parsed.data.mode === 'replay' ? 'nothing to replay: no signed delivery of this response yet' : 'the response has not ended yet',
        );
      return { status: 200, body: record };
    }
    case 'DELETE /webhooks/deliveries':
      webhooks.clearDeliveries();
      return { status: 200, body: { cleared: true } };
    default:
      return null;
  }
}
