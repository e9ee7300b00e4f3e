// What a response does, by kind: its output items and how long each takes, its outcome (error,
// incomplete details), usage and queue time. Times are relative; the world places them.
import { present } from '../../core/present.js';
import type { ApiObject } from '../state.js';
import {
  appOutputFor,
  applyPatchCallItem,
  codeInterpreterItem,
  compactionItem,
  computerCallItem,
  customToolCallItem,
  fileSearchItem,
  functionCallItem,
  futureItem,
  imageGenerationItem,
  largeFunctionCallItem,
  localShellCallItem,
  mcpApprovalRequestItem,
  mcpCallItem,
  mcpListToolsItem,
  messageItem,
  openPageItem,
  reasoningItem,
  shellCallItem,
  userMessageItem,
  webSearchItem,
  type ItemContext,
} from './items.js';
import type { TerminalStatus, Usage } from './state.js';

/** Kinds the world generator uses; each appears at least once in a world big enough. */
export const RESPONSE_KINDS = [
  'message',
  'function_call',
  'web_search',
  'file_search',
  'code_interpreter',
  'mcp',
  'mcp_approval',
  'computer',
  'image_generation',
  'custom_tool',
  'local_shell',
  'shell',
  'apply_patch',
  'unknown_item',
  'failed',
  'incomplete',
  'content_filter',
  'cancelled',
  'slow_queue',
  'huge',
] as const;
/** Only on request (POST /_sim/responses): a function call with about 1 MB of arguments. */
export const SCRIPT_ONLY_KINDS = ['large_arguments'] as const;
export type ResponseKind = (typeof RESPONSE_KINDS)[number] | (typeof SCRIPT_ONLY_KINDS)[number];
/** The turn after one whose items wait for the app (tool outputs, an approval). */
export const CONTINUATION = 'continuation';

export const isResponseKind = (v: unknown): v is ResponseKind =>
  typeof v === 'string' && ((RESPONSE_KINDS as readonly string[]).includes(v) || (SCRIPT_ONLY_KINDS as readonly string[]).includes(v));

export interface ItemDraft {
  body: ApiObject;
  /** Seconds the item takes once the previous one is done. */
  seconds: number;
}

export interface ResponseDraft {
  kind: string;
  items: ItemDraft[];
  /** Extra input items after the user's prompt (the huge kind's long history). */
  history: ApiObject[];
  queuedFor: number;
  outcome: TerminalStatus;
  /** For the cancelled kind: seconds after the start at which it is cancelled. */
  cancelAfter: number | null;
  /** Runs only in the background (cancellation, a long queue). */
  backgroundOnly: boolean;
  error: { code: string; message: string } | null;
  incompleteReason: string | null;
  reasoningEffort: string | null;
  maxOutputTokens: number | null;
  usage: Usage | null;
}

const FAILURES: readonly { code: string; message: string }[] = [
  { code: 'server_error', message: 'The server had an error processing your request. Sorry about that! You can retry your request.' },
  { code: 'rate_limit_exceeded', message: 'Rate limit reached on tokens per min (TPM). Please try again in 2s.' },
  { code: 'vector_store_timeout', message: 'The vector store search timed out.' },
];

const WAITS_FOR_APP = new Set([
  'function_call',
  'computer_call',
  'custom_tool_call',
  'local_shell_call',
  'shell_call',
  'apply_patch_call',
  'mcp_approval_request',
]);

/** Whether the app must answer this response's output in a next turn. */
export const waitsForApp = (output: readonly ApiObject[]): boolean => output.some((item) => WAITS_FOR_APP.has(String(item.type)));

function outputTokens(c: ItemContext, items: readonly ItemDraft[]): { output: number; reasoning: number } {
  let output = 0;
  let reasoning = 0;
  for (const { body } of items) {
    if (body.type === 'reasoning') reasoning += c.p.int(40, 600);
    else if (body.type === 'message') output += c.p.int(12, 320);
    else output += c.p.int(8, 60);
  }
  return { output: output + reasoning, reasoning };
}

function usageFor(c: ItemContext, items: readonly ItemDraft[], extraInput = 0): Usage {
  const input = c.p.int(180, 4_000) + extraInput;
  const cached = c.p.chance(0.5) ? Math.floor((input * c.p.int(30, 90)) / 100) : 0;
  return { input, cached, ...outputTokens(c, items) };
}

const draft = (c: ItemContext, kind: string, items: ItemDraft[], overrides: Partial<ResponseDraft> = {}): ResponseDraft => ({
  kind,
  items,
  history: [],
  queuedFor: c.p.int(0, 2),
  outcome: 'completed',
  cancelAfter: null,
  backgroundOnly: false,
  error: null,
  incompleteReason: null,
  reasoningEffort: items.some((i) => i.body.type === 'reasoning') ? 'medium' : null,
  maxOutputTokens: null,
  usage: usageFor(c, items),
  ...overrides,
});

const quick = (c: ItemContext, body: ApiObject): ItemDraft => ({ body, seconds: c.p.int(1, 3) });
const slow = (c: ItemContext, body: ApiObject): ItemDraft => ({ body, seconds: c.p.int(2, 6) });

export function buildDraft(kind: ResponseKind, c: ItemContext): ResponseDraft {
  switch (kind) {
    case 'message':
      return draft(c, kind, c.p.chance(0.5) ? [quick(c, reasoningItem(c)), quick(c, messageItem(c))] : [quick(c, messageItem(c))]);
    case 'function_call': {
      const calls = c.p.int(1, 2);
      const start = c.p.int(0, 2);
      return draft(c, kind, [
        quick(c, reasoningItem(c)),
        ...Array.from({ length: calls }, (_, i) => quick(c, functionCallItem(c, start + i))),
      ]);
    }
    case 'web_search':
      return draft(c, kind, [
        slow(c, webSearchItem(c)),
        quick(c, openPageItem(c)),
        quick(
          c,
          messageItem(c, 'The conventions define gen_ai.* attributes.', [
            {
              type: 'url_citation',
              start_index: 0,
              end_index: 15,
              title: 'GenAI conventions',
              url: 'https://opentelemetry.io/docs/specs/semconv/gen-ai/',
            },
          ]),
        ),
      ]);
    case 'file_search':
      return draft(c, kind, [
        slow(c, fileSearchItem(c)),
        quick(
          c,
          messageItem(c, 'Refunds take up to 14 days.', [
            { type: 'file_citation', file_id: 'file-sim', filename: 'handbook.pdf', index: 26 },
          ]),
        ),
      ]);
    case 'code_interpreter':
      return draft(c, kind, [
        quick(c, reasoningItem(c)),
        slow(c, codeInterpreterItem(c)),
        quick(c, messageItem(c, 'The mean is about 5.33.')),
      ]);
    case 'mcp':
      return draft(c, kind, [
        quick(c, mcpListToolsItem(c)),
        slow(c, mcpCallItem(c)),
        quick(c, mcpCallItem(c, 'failed')),
        quick(c, messageItem(c)),
      ]);
    case 'mcp_approval':
      return draft(c, kind, [quick(c, mcpListToolsItem(c)), quick(c, mcpApprovalRequestItem(c))]);
    case 'computer':
      return draft(c, kind, [quick(c, reasoningItem(c)), quick(c, computerCallItem(c))]);
    case 'image_generation':
      return draft(c, kind, [
        { body: imageGenerationItem(c), seconds: c.p.int(5, 12) },
        quick(c, messageItem(c, 'Here is your lighthouse.')),
      ]);
    case 'custom_tool':
      return draft(c, kind, [quick(c, customToolCallItem(c))]);
    case 'local_shell':
      return draft(c, kind, [quick(c, localShellCallItem(c))]);
    case 'shell':
      return draft(c, kind, [quick(c, reasoningItem(c)), quick(c, shellCallItem(c))]);
    case 'apply_patch':
      return draft(c, kind, [quick(c, reasoningItem(c)), quick(c, applyPatchCallItem(c))]);
    case 'unknown_item':
      return draft(c, kind, [slow(c, futureItem(c)), quick(c, messageItem(c, 'Deck 7 is fine.'))]);
    case 'failed':
      return draft(c, kind, [quick(c, reasoningItem(c)), slow(c, webSearchItem(c, 'failed'))], {
        outcome: 'failed',
        error: c.p.pick(FAILURES),
        usage: null,
      });
    case 'incomplete': {
      const items = [
        quick(c, reasoningItem(c)),
        quick(c, { ...messageItem(c, 'The first part of a very long answer, cut at the token limit'), status: 'incomplete' }),
      ];
      const usage = usageFor(c, items);
      return draft(c, kind, items, { outcome: 'incomplete', incompleteReason: 'max_output_tokens', maxOutputTokens: usage.output, usage });
    }
    case 'content_filter':
      return draft(c, kind, [quick(c, { ...messageItem(c, 'I can'), status: 'incomplete' })], {
        outcome: 'incomplete',
        incompleteReason: 'content_filter',
      });
    case 'cancelled': {
      const reasoning = quick(c, reasoningItem(c));
      const items = [reasoning, { body: webSearchItem(c), seconds: 8 }, quick(c, messageItem(c))];
      return draft(c, kind, items, { outcome: 'cancelled', cancelAfter: reasoning.seconds + 3, backgroundOnly: true, usage: null });
    }
    case 'slow_queue':
      return draft(c, kind, [quick(c, messageItem(c))], { queuedFor: c.p.int(20, 45), backgroundOnly: true });
    case 'huge': {
      const makers = [webSearchItem, codeInterpreterItem, mcpCallItem, fileSearchItem] as const;
      const items: ItemDraft[] = [{ body: compactionItem(c), seconds: 1 }];
      for (let i = 0; i < 120; i++) items.push({ body: present(makers[i % makers.length], 'item maker')(c), seconds: c.p.int(0, 1) });
      items.push(quick(c, messageItem(c, 'That was a lot of searching.')));
      const history = Array.from({ length: 229 }, (_, i) =>
        i % 2 === 0 ? userMessageItem(c, `Earlier question ${i / 2 + 1}`) : { ...messageItem(c), status: 'completed' },
      );
      return draft(c, kind, items, { history, usage: usageFor(c, items, history.length * 40) });
    }
    case 'large_arguments':
      return draft(c, kind, [quick(c, largeFunctionCallItem(c, 1 << 20))]);
  }
}

/** A turn whose input answers an earlier one: a message, after the MCP calls its input approves. */
export function continuationDraft(c: ItemContext, input: readonly ApiObject[]): ResponseDraft {
  const approvals = input.filter((i) => i.type === 'mcp_approval_response');
  const items = [...approvals.map((a) => slow(c, mcpCallItem(c, 'completed', String(a.approval_request_id)))), quick(c, messageItem(c))];
  return draft(c, CONTINUATION, items);
}

/** The turn that answers `previous`: its input is the app's outputs for the items that wait for it. */
export function buildContinuation(c: ItemContext, previous: readonly ApiObject[]): { input: ApiObject[]; draft: ResponseDraft } {
  const input = previous.map((item) => appOutputFor(c, item)).filter((x): x is ApiObject => x !== null);
  return { input, draft: continuationDraft(c, input) };
}
