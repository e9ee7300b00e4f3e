#!/usr/bin/env bash
# Save every finished run of a simulated Assistants API to JSONL, then import the file.
# Run from the repository root after `npm run build`.
set -euo pipefail
cd "$(dirname "$0")/../.."
CLI=(node bin/assistants-otel-bridge.mjs)
PORT="${PORT:-8798}"
OUT="${OUT:-$(mktemp -d)/saved-runs.jsonl}"

"${CLI[@]}" simulate --port "$PORT" --runs 12 --live 0 >/dev/null &
SIM=$!
trap 'kill "$SIM" 2>/dev/null || true' EXIT
for _ in $(seq 50); do curl -fs "http://127.0.0.1:$PORT/_sim/health" >/dev/null && break; sleep 0.1; done
THREADS=$(curl -fs "http://127.0.0.1:$PORT/_sim/truth" | node -e '
  let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => {
    process.stdout.write([...new Set(JSON.parse(s).runs.map((r) => r.threadId))].join(" "));
  });')

# shellcheck disable=SC2086
OPENAI_BASE_URL="http://127.0.0.1:$PORT/v1" OPENAI_API_KEY=sk-sim-local node scripts/with-node.mjs examples/import-saved-runs/save-runs.mjs $THREADS >"$OUT"
kill "$SIM"   # the API is gone from here on: the file is all there is

echo "imported from $OUT:" >&2
# No endpoint set: the spans are printed as JSON lines (here, counted).
"${CLI[@]}" import "$OUT" | wc -l | xargs printf '%s spans\n'
