// DESIGN "Status": failed and expired are errors; cancelled and incomplete are not, but say so.
import type { StatusCodeValue } from './span-record.js';

export interface MappedStatus {
  code: StatusCodeValue;
  message?: string;
  errorType?: string;
}

const UNSET: MappedStatus = { code: 0 };

export function statusFor(status: string | null | undefined, lastError: { code?: string | null; message?: string | null } | null | undefined): MappedStatus {
  const message = lastError?.message ?? undefined;
  const code = lastError?.code ?? undefined;
  if (status === 'failed') {
    return { code: 2, errorType: code || '_OTHER', ...(message ? { message } : {}) };
  }
  if (status === 'expired') {
    return { code: 2, errorType: code || 'expired', ...(message ? { message } : {}) };
  }
  return UNSET;
}
