#!/usr/bin/env bash
# Watch every thread of a simulated Assistants API until all its runs finished, on this terminal
# (a status line at the bottom, logs above it). Run from the repository root after `npm run build`.
set -euo pipefail
cd "$(dirname "$0")/../.."
CLI=(node bin/assistants-otel-bridge.mjs)
PORT="${PORT:-8797}"

"${CLI[@]}" simulate --port "$PORT" --runs 12 --live 4 --live-window 60 --speed 20 >/dev/null &
SIM=$!
trap 'kill "$SIM" 2>/dev/null || true' EXIT
for _ in $(seq 50); do curl -fs "http://127.0.0.1:$PORT/_sim/health" >/dev/null && break; sleep 0.1; done

# Every thread of the world, scheduled runs included.
THREADS=$(curl -fs "http://127.0.0.1:$PORT/_sim/truth" | node -e '
  let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => {
    const t = JSON.parse(s);
    const ids = new Set([...t.runs.map((r) => r.threadId), ...t.pending.map((p) => p.threadId)]);
    process.stdout.write([...ids].map((id) => `--thread ${id}`).join(" "));
  });')

# Spans go to OTEL_EXPORTER_OTLP_ENDPOINT when set, else they are counted and dropped here.
export OPENAI_BASE_URL="http://127.0.0.1:$PORT/v1" OPENAI_API_KEY=sk-sim-local
[ -n "${OTEL_EXPORTER_OTLP_ENDPOINT:-}" ] || export OTEL_TRACES_EXPORTER=none
# shellcheck disable=SC2086
"${CLI[@]}" watch $THREADS --state :memory: --listen off --rpm 600 --exit-when-idle
