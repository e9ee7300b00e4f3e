// Saves runs, their steps and their assistants as JSONL, as the API returns them, so they can be
// imported later (`assistants-otel-bridge import FILE`) even after the API stopped answering.
//
//   node examples/import-saved-runs/save-runs.mjs thread_abc thread_def > saved/runs.jsonl
//
// Uses OPENAI_API_KEY and OPENAI_BASE_URL like the bridge. One request at a time; the SDK retries
// 429s after the time the API asks for. Needs Node >= 22 (the openai SDK); from the repository:
// `node scripts/with-node.mjs examples/import-saved-runs/save-runs.mjs ...`.
import OpenAI from 'openai';

const threads = process.argv.slice(2);
if (threads.length === 0) {
  process.stderr.write('usage: save-runs.mjs THREAD_ID... > runs.jsonl\n');
  process.exit(2);
}

const client = new OpenAI();
// File search result text is only returned when asked for; the bridge maps it when content capture is on.
const include = ['step_details.tool_calls[*].file_search.results[*].content'];
const assistants = new Set();
const write = (object) => process.stdout.write(`${JSON.stringify(object)}\n`);
let runs = 0;
let steps = 0;

for (const threadId of threads) {
  for await (const run of client.beta.threads.runs.list(threadId, { order: 'asc', limit: 100 })) {
    const runSteps = [];
    for await (const step of client.beta.threads.runs.steps.list(run.id, { thread_id: threadId, order: 'asc', limit: 100, include }))
      runSteps.push(step);
    // A run with its steps inline: one line per run.
    write({ ...run, steps: runSteps });
    runs += 1;
    steps += runSteps.length;
    const assistantId = run.assistant_id ?? run.agent_id;
    if (assistantId) assistants.add(assistantId);
  }
}
// Assistant objects give the spans their agent name (`invoke_agent {name}`).
for (const id of assistants) {
  try {
    write(await client.beta.assistants.retrieve(id));
  } catch (error) {
    process.stderr.write(`assistant ${id} not saved: ${error instanceof Error ? error.message : String(error)}\n`);
  }
}
process.stderr.write(`saved ${runs} runs with ${steps} steps from ${threads.length} threads\n`);
