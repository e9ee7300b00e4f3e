#!/usr/bin/env bash
# The same configuration against the simulator speaking the Foundry dialect (project endpoint,
# api-version required, bearer token, assistant_id): every run traced, then a summary of the spans.
# Run from the repository root after `npm run build`.
set -euo pipefail
cd "$(dirname "$0")/../.."
CLI=(node bin/assistants-otel-bridge.mjs)
PORT="${PORT:-8800}"
WORK="$(mktemp -d)"

"${CLI[@]}" simulate --dialect azure-foundry --port "$PORT" --runs 8 --live 0 >/dev/null &
SIM=$!
trap 'kill "$SIM" 2>/dev/null || true' EXIT
for _ in $(seq 50); do curl -fs "http://127.0.0.1:$PORT/_sim/health" >/dev/null && break; sleep 0.1; done
THREADS=$(curl -fs "http://127.0.0.1:$PORT/_sim/truth" | node -e '
  let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => {
    process.stdout.write([...new Set(JSON.parse(s).runs.map((r) => `--thread ${r.threadId}`))].join(" "));
  });')

# The simulator takes its API key as the bearer token; the project is `sim-project`.
export AZURE_AI_AGENTS_TOKEN=sk-sim-local OTEL_TRACES_EXPORTER=console
# shellcheck disable=SC2086
"${CLI[@]}" watch --config examples/azure-foundry-agents/bridge.yaml --base-url "http://127.0.0.1:$PORT/api/projects/sim-project" \
  $THREADS --state "$WORK/state.sqlite" --listen off --rpm 600 --exit-when-idle --log-format json >"$WORK/spans.jsonl" 2>"$WORK/bridge.log"

node -e '
  const spans = require("fs").readFileSync(process.argv[1], "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l));
  const runs = spans.filter((s) => s.name.startsWith("invoke_agent"));
  console.log(`${spans.length} spans, ${runs.length} runs, gen_ai.provider.name = ${[...new Set(spans.map((s) => s.attributes["gen_ai.provider.name"]).filter(Boolean))].join(", ")}`);
  for (const r of runs) console.log(`  ${r.name.padEnd(34)} ${r.attributes["openai.run.status"].padEnd(10)} agent ${r.attributes["gen_ai.agent.id"]}`);
' "$WORK/spans.jsonl"
