// Route templates for metrics and logs. A label must never carry an id (unbounded cardinality,
// and ids are data), so anything not in the known vocabulary becomes a placeholder.
import type { Priority } from './priorities.js';

/** Collections of the Assistants protocol, and the name of the id that follows each. */
const COLLECTION_ID: Readonly<Record<string, string>> = {
  threads: 'thread_id',
  runs: 'run_id',
  steps: 'step_id',
  messages: 'message_id',
  assistants: 'assistant_id',
  agents: 'agent_id',
  files: 'file_id',
  vector_stores: 'vector_store_id',
  file_batches: 'batch_id',
};

/** Literal action segments that may follow an id. */
const ACTIONS = new Set(['cancel', 'submit_tool_outputs', 'content']);

/**
 * The path of `url` from its first known collection on, ids replaced by `{name}`:
 * `https://host/v1/threads/thread_1/runs?limit=100` gives `/threads/{thread_id}/runs`.
 * A base path (`/v1`, Azure's `/openai`) and the query are dropped. Unknown paths give `/other`.
 */
export function routeTemplate(url: URL): string {
  const segments = url.pathname.split('/').filter((segment) => segment !== '');
  const start = segments.findIndex((segment) => Object.hasOwn(COLLECTION_ID, segment));
  if (start < 0) return '/other';
  const parts: string[] = [];
  let previousCollection: string | null = null;
  for (const segment of segments.slice(start)) {
    if (Object.hasOwn(COLLECTION_ID, segment)) {
      parts.push(segment);
      previousCollection = segment;
    } else if (previousCollection !== null) {
      parts.push(`{${COLLECTION_ID[previousCollection] ?? 'id'}}`);
      previousCollection = null;
    } else if (ACTIONS.has(segment)) {
      parts.push(segment);
    } else {
      parts.push('{id}');
    }
  }
  return `/${parts.join('/')}`;
}

/**
 * The default priority of a request: polling a run or listing its steps finishes work, and so
 * does looking up an assistant (a run's first mapping waits for its agent's name: at a lower
 * priority a saturated budget would hold every new run behind it); listing a thread's runs
 * discovers work. Anything else counts as discovery, the middle.
 */
export function defaultPriorityFor(url: URL, method: string): Priority {
  if (method.toUpperCase() !== 'GET') return 'discovery';
  const route = routeTemplate(url);
  if (route === '/threads/{thread_id}/runs') return 'discovery';
  if (route.startsWith('/threads/{thread_id}/runs/{run_id}')) return 'finishing';
  if (route.startsWith('/assistants/{assistant_id}') || route.startsWith('/agents/{agent_id}')) return 'finishing';
  return 'discovery';
}
