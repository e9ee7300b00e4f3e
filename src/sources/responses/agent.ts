// What a response's agent reference means for its telemetry: an agent's response is an agent
// invocation, any other a model call; Foundry identifies an agent version as `name:version`.
import { GEN_AI_OPERATION_NAME_VALUE_CHAT, GEN_AI_OPERATION_NAME_VALUE_INVOKE_AGENT } from '../../semconv/attributes.js';
import type { AgentReference, ResponsePayload } from './payload.js';

/** `gen_ai.operation.name` of the root span, and of the response's metrics. */
export const rootOperationOf = (response: Pick<ResponsePayload, 'agent'>): string =>
  response.agent ? GEN_AI_OPERATION_NAME_VALUE_INVOKE_AGENT : GEN_AI_OPERATION_NAME_VALUE_CHAT;

/** `gen_ai.agent.id`: `name:version`; without a version only the name is known, and no id. */
export const agentIdOf = (agent: AgentReference): string | null => (agent.version === null ? null : `${agent.name}:${agent.version}`);
