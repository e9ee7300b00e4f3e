#!/usr/bin/env bash
# One trace across the boundary, on this machine: the simulator, the bridge listening for runs,
# and app.mjs creating a run that asks for function outputs. Run from the repository root after
# `npm run build`. With OTEL_EXPORTER_OTLP_ENDPOINT set (the compose stack's collector), both the
# app and the bridge export there and the trace opens in Jaeger; without it, both print spans.
set -euo pipefail
cd "$(dirname "$0")/../.."
CLI=(node bin/assistants-otel-bridge.mjs)
SIM_PORT="${SIM_PORT:-8799}"
BRIDGE_PORT="${BRIDGE_PORT:-9479}"
WORK="$(mktemp -d)"
PIDS=()
trap 'for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done' EXIT

# Seed 24: the first run created on a new thread waits for two function outputs. The world clock
# starts now, so the run's times line up with the app's.
"${CLI[@]}" simulate --port "$SIM_PORT" --runs 0 --live 0 --threads 1 --seed 24 --speed 5 >/dev/null &
PIDS+=($!)

# Runs waiting for the app are looked at every 2 s at most, so the end of the run shows promptly.
printf 'watch:\n  max_wait_interval_ms: 2000\n  active_interval_ms: 500\n' >"$WORK/bridge.yaml"
export OPENAI_BASE_URL="http://127.0.0.1:$SIM_PORT/v1" OPENAI_API_KEY=sk-sim-local
[ -n "${OTEL_EXPORTER_OTLP_ENDPOINT:-}" ] || export OTEL_TRACES_EXPORTER=console
"${CLI[@]}" watch --config "$WORK/bridge.yaml" --state "$WORK/state.sqlite" --listen "127.0.0.1:$BRIDGE_PORT" --log-format json \
  >"$WORK/bridge-spans.jsonl" 2>"$WORK/bridge.log" &
BRIDGE=$!
PIDS+=($BRIDGE)
for _ in $(seq 100); do curl -fs "http://127.0.0.1:$BRIDGE_PORT/readyz" >/dev/null 2>&1 && break; sleep 0.1; done

ASSISTANTS_OTEL_BRIDGE_URL="http://127.0.0.1:$BRIDGE_PORT" node scripts/with-node.mjs examples/trace-an-app/app.mjs >"$WORK/app.out"
RESULT=$(grep '^{"runId"' "$WORK/app.out")
RUN_ID=$(node -e 'console.log(JSON.parse(process.argv[1]).runId)' "$RESULT")

# The bridge polls the run to its end; then stop it, which exports what is finished.
for _ in $(seq 150); do
  curl -fs "http://127.0.0.1:$BRIDGE_PORT/v1/runs/$RUN_ID" | grep -q '"terminal":true' && break
  sleep 0.2
done
sleep 1
kill -TERM "$BRIDGE"
wait "$BRIDGE" || true

echo "app:    $RESULT"
if [ -z "${OTEL_EXPORTER_OTLP_ENDPOINT:-}" ]; then
  echo "bridge: the spans of the run (name, span id, parent span id):"
  node -e '
    const lines = require("fs").readFileSync(process.argv[1], "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l));
    for (const s of lines) console.log(`  ${s.traceId}  ${s.spanId} <- ${s.parentSpanId ?? "(root)"}  ${s.name}`);
  ' "$WORK/bridge-spans.jsonl"
fi
echo "trace:  $("${CLI[@]}" trace-id "$RUN_ID" --state "$WORK/state.sqlite" --ui-url 'http://localhost:16686/trace/{trace_id}' | tr '\n' ' ')"
