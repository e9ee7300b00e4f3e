// The Agents API's refusals, in the OpenAI error shape.
import { invalid, type ApiError } from '../errors.js';

export const AGENTS_BETA = 'agents=v1';

export const missingAgentsBeta = (): ApiError =>
  invalid(
    400,
    `You must provide the 'OpenAI-Beta' header to access the Agents API. Please try again by setting the header 'OpenAI-Beta: ${AGENTS_BETA}'.`,
    null,
    'invalid_beta',
  );

export const agentsNotFound = (what: 'agent' | 'session' | 'turn' | 'subagent', id: string): ApiError =>
  invalid(404, `No ${what} found with id '${id}'.`);

export const activeTurn = (message: string): ApiError => invalid(400, message, 'events', 'active_turn_not_steerable');

export const conflict = (message: string, param: string | null = null): ApiError => invalid(400, message, param);

export const responseTooLarge = (status: 400 | 413, capBytes: number): ApiError =>
  invalid(
    status,
    `The traces on this page exceed the ${Math.round(capBytes / 1024 / 1024)} MiB response limit (${capBytes} bytes). Request fewer traces with a smaller 'limit'.`,
    'limit',
    'response_too_large',
  );
