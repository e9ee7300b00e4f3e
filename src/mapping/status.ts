// Span status from an OpenAI object's status (runs, steps, turns and responses share the words):
// failed and expired are errors; cancelled and incomplete are not, but say so.
import { ERROR_TYPE_VALUE_OTHER } from '../semconv/attributes.js';
import type { StatusCodeValue } from '../core/span-record.js';

export interface MappedStatus {
  code: StatusCodeValue;
  message?: string;
  errorType?: string;
}

const UNSET: MappedStatus = { code: 0 };

export function statusFor(
  status: string | null | undefined,
  lastError: { code?: string | null; message?: string | null } | null | undefined,
): MappedStatus {
  const message = lastError?.message ?? undefined;
  const code = lastError?.code ?? undefined;
  if (status === 'failed') {
    return { code: 2, errorType: code || ERROR_TYPE_VALUE_OTHER, ...(message ? { message } : {}) };
  }
  if (status === 'expired') {
    return { code: 2, errorType: code || 'expired', ...(message ? { message } : {}) };
  }
  return UNSET;
}

/**
 * A tool call shares its step's outcome: ERROR with the step's error.type under a failed or
 * expired step. A call that reports its own failure is ERROR too, with its own type and message;
 * otherwise UNSET.
 */
export function toolStatusFor(stepStatus: MappedStatus, ownError: { type: string; message?: string } | null): MappedStatus {
  if (stepStatus.code === 2) return stepStatus;
  if (ownError) return { code: 2, errorType: ownError.type, ...(ownError.message ? { message: ownError.message } : {}) };
  return UNSET;
}
