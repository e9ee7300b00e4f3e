#!/usr/bin/env bash
# Watch threads of an Azure AI Foundry Agent Service (classic) project:
#
#   FOUNDRY_PROJECT_ENDPOINT=https://<resource>.services.ai.azure.com/api/projects/<project> \
#     examples/azure-foundry-agents/watch.sh --thread thread_abc
#
# Needs the Azure CLI, logged in (`az login`) as someone with a role on the project that may read
# agents, threads and runs. An Entra ID token lasts about an hour: the bridge is restarted with a
# fresh one every 50 minutes. Nothing is lost or sent twice across a restart: the state file
# keeps the cursors and the outbox.
set -euo pipefail
cd "$(dirname "$0")/../.."
: "${FOUNDRY_PROJECT_ENDPOINT:?set FOUNDRY_PROJECT_ENDPOINT to https://<resource>.services.ai.azure.com/api/projects/<project>}"

while true; do
  AZURE_AI_AGENTS_TOKEN="$(az account get-access-token --scope https://ai.azure.com/.default --query accessToken -o tsv)"
  export AZURE_AI_AGENTS_TOKEN
  status=0
  timeout --signal=TERM 50m node bin/assistants-otel-bridge.mjs watch \
    --config examples/azure-foundry-agents/bridge.yaml --base-url "$FOUNDRY_PROJECT_ENDPOINT" "$@" || status=$?
  # 124: the timeout ended it (cleanly, on SIGTERM) to renew the token; anything else is final.
  [ "$status" -eq 124 ] || exit "$status"
done
