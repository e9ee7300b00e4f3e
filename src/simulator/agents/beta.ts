// Every Agents API request carries `OpenAI-Beta: agents=v1` (the SDK sends it); others are refused.
import type { IncomingHttpHeaders } from 'node:http';
import type { ApiError } from '../errors.js';
import { AGENTS_BETA, missingAgentsBeta } from './errors.js';

export function checkAgentsBeta(headers: IncomingHttpHeaders): ApiError | null {
  const beta = headers['openai-beta'];
  const values = (Array.isArray(beta) ? beta.join(',') : (beta ?? '')).split(',').map((v) => v.trim());
  return values.includes(AGENTS_BETA) ? null : missingAgentsBeta();
}
