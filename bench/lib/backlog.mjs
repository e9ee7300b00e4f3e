// A large saved backlog for the throughput runs: `runs` finished runs, each with `steps`
// tool_calls steps of `toolCalls` function calls, written as JSONL the way the API returns them
// (one run per line with its `steps`, after one line per assistant so names are known).
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';

const ASSISTANTS = [
  { id: 'asst_bench0000000000000001', name: 'Support Agent', model: 'gpt-4o' },
  { id: 'asst_bench0000000000000002', name: 'Research Assistant', model: 'gpt-4.1' },
  { id: 'asst_bench0000000000000003', name: 'Data Analyst', model: 'gpt-4o-mini' },
];

const pad = (n, width) => String(n).padStart(width, '0');

export function backlogSize({ runs, steps, toolCalls }) {
  return runs * (1 + steps * (1 + toolCalls));
}

/** One run and its steps as API objects; deterministic from the index. */
export function backlogRun(i, { steps, toolCalls }) {
  const a = ASSISTANTS[i % ASSISTANTS.length];
  const threadId = `thread_bench${pad(Math.floor(i / 10), 12)}`;
  const runId = `run_bench${pad(i, 16)}`;
  const created = 1_760_000_000 + i * 40;
  const stepObjects = [];
  let t = created + 1;
  for (let s = 0; s < steps; s++) {
    const calls = [];
    for (let c = 0; c < toolCalls; c++) {
      calls.push({
        id: `call_${pad(i, 10)}${pad(s, 3)}${pad(c, 2)}`,
        type: 'function',
        function: {
          name: c % 2 === 0 ? 'get_order_status' : 'create_ticket',
          arguments: '{"order_id":"A-1042"}',
          output: '{"status":"shipped"}',
        },
      });
    }
    stepObjects.push({
      id: `step_${pad(i, 12)}${pad(s, 4)}`,
      object: 'thread.run.step',
      created_at: t,
      run_id: runId,
      assistant_id: a.id,
      thread_id: threadId,
      type: 'tool_calls',
      status: 'completed',
      cancelled_at: null,
      completed_at: t + 2,
      expired_at: null,
      failed_at: null,
      last_error: null,
      step_details: { type: 'tool_calls', tool_calls: calls },
      usage: { prompt_tokens: 812, completion_tokens: 64, total_tokens: 876 },
      metadata: null,
    });
    t += 3;
  }
  const run = {
    id: runId,
    object: 'thread.run',
    created_at: created,
    assistant_id: a.id,
    thread_id: threadId,
    status: 'completed',
    started_at: created + 1,
    expires_at: null,
    cancelled_at: null,
    failed_at: null,
    completed_at: t,
    required_action: null,
    last_error: null,
    model: a.model,
    instructions: 'You help customers with orders and returns. Be concise.',
    tools: [
      { type: 'function', function: { name: 'get_order_status' } },
      { type: 'function', function: { name: 'create_ticket' } },
    ],
    metadata: {},
    incomplete_details: null,
    usage: { prompt_tokens: 812 * steps, completion_tokens: 64 * steps, total_tokens: 876 * steps },
    temperature: 1,
    top_p: 1,
    max_prompt_tokens: null,
    max_completion_tokens: null,
    truncation_strategy: { type: 'auto', last_messages: null },
    response_format: 'auto',
    tool_choice: 'auto',
    parallel_tool_calls: true,
  };
  return { run, steps: stepObjects, assistant: a };
}

export async function writeBacklog(path, size) {
  const out = createWriteStream(path);
  const write = async (line) => {
    if (!out.write(`${line}\n`)) await once(out, 'drain');
  };
  for (const a of ASSISTANTS) await write(JSON.stringify({ object: 'assistant', id: a.id, name: a.name, model: a.model }));
  for (let i = 0; i < size.runs; i++) {
    const { run, steps } = backlogRun(i, size);
    await write(JSON.stringify({ ...run, steps }));
  }
  out.end();
  await once(out, 'finish');
}
