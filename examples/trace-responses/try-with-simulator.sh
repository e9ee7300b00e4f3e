#!/usr/bin/env bash
# One trace across the boundary with the Responses API, on this machine: the simulator, the bridge
# (--provider openai, told of responses by the app alone), and app.mjs asking a question whose
# first response calls a function. Run from the repository root after `npm run build`. With
# OTEL_EXPORTER_OTLP_ENDPOINT set (the compose stack's collector), both the app and the bridge
# export there and the trace opens in Jaeger; without it, both print spans.
set -euo pipefail
cd "$(dirname "$0")/../.."
CLI=(node bin/assistants-otel-bridge.mjs)
SIM_PORT="${SIM_PORT:-8798}"
BRIDGE_PORT="${BRIDGE_PORT:-9478}"
WORK="$(mktemp -d)"
PIDS=()
trap 'for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done' EXIT

# No responses of its own: only what the app creates. The world clock starts now.
"${CLI[@]}" simulate --port "$SIM_PORT" --runs 0 --live 0 --threads 1 --responses 0 --live-responses 0 --speed 5 >/dev/null &
PIDS+=($!)
for _ in $(seq 100); do curl -fs "http://127.0.0.1:$SIM_PORT/_sim/responses/truth" >/dev/null 2>&1 && break; sleep 0.1; done
# The app's first response asks for a function.
curl -fs -X POST -H 'content-type: application/json' -d '{"kind":"function_call"}' "http://127.0.0.1:$SIM_PORT/_sim/responses/next" >/dev/null

# Unfinished responses are looked at every 2 s at most, so their ends show promptly.
printf 'watch:\n  max_wait_interval_ms: 2000\n  active_interval_ms: 500\n' >"$WORK/bridge.yaml"
export OPENAI_BASE_URL="http://127.0.0.1:$SIM_PORT/v1" OPENAI_API_KEY=sk-sim-local
[ -n "${OTEL_EXPORTER_OTLP_ENDPOINT:-}" ] || export OTEL_TRACES_EXPORTER=console
"${CLI[@]}" watch --provider openai --config "$WORK/bridge.yaml" --state "$WORK/state.sqlite" --listen "127.0.0.1:$BRIDGE_PORT" \
  --log-format json >"$WORK/bridge-spans.jsonl" 2>"$WORK/bridge.log" &
BRIDGE=$!
PIDS+=($BRIDGE)
for _ in $(seq 100); do curl -fs "http://127.0.0.1:$BRIDGE_PORT/readyz" >/dev/null 2>&1 && break; sleep 0.1; done

ASSISTANTS_OTEL_BRIDGE_URL="http://127.0.0.1:$BRIDGE_PORT" node scripts/with-node.mjs examples/trace-responses/app.mjs >"$WORK/app.out"
RESULT=$(grep '^{"responseIds"' "$WORK/app.out")
LAST_ID=$(node -e 'const r = JSON.parse(process.argv[1]); console.log(r.responseIds.at(-1))' "$RESULT")

# The bridge looks at each response to its end; then stop it, which exports what is finished.
for _ in $(seq 150); do
  curl -fs "http://127.0.0.1:$BRIDGE_PORT/v1/responses/$LAST_ID" | grep -q '"terminal":true' && break
  sleep 0.2
done
sleep 1
kill -TERM "$BRIDGE"
wait "$BRIDGE" || true

echo "app:    $RESULT"
if [ -z "${OTEL_EXPORTER_OTLP_ENDPOINT:-}" ]; then
  echo "bridge: the spans of the responses (trace id, span id <- parent span id, name):"
  node -e '
    const lines = require("fs").readFileSync(process.argv[1], "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l));
    for (const s of lines) console.log(`  ${s.traceId}  ${s.spanId} <- ${s.parentSpanId ?? "(root)"}  ${s.name}`);
  ' "$WORK/bridge-spans.jsonl"
fi
echo "trace:  $("${CLI[@]}" trace-id "$LAST_ID" --state "$WORK/state.sqlite" --ui-url 'http://localhost:16686/trace/{trace_id}' | tr '\n' ' ')"
