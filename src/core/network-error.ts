// One line for a failed connection, from whatever Node and undici threw: the system error
// (`connect ECONNREFUSED 127.0.0.1:4318`) under fetch's `fetch failed`, and the errors of each
// address tried when a name resolves to several (an AggregateError with an empty message).

/** `connect ECONNREFUSED 127.0.0.1:9`, `getaddrinfo ENOTFOUND collector`, `ECONNRESET: socket hang up`... */
export function describeNetworkError(error: unknown): string {
  const root = systemError(error);
  if (!root) return error instanceof Error ? error.message || error.name : String(error);
  const { code, message, errors } = root;
  const text =
    message ||
    (Array.isArray(errors) ? [...new Set(errors.map((e: unknown) => (e instanceof Error ? e.message : String(e))))].join('; ') : '');
  if (!code) return text || 'connection failed';
  if (!text) return code;
  return text.includes(code) ? text : `${code}: ${text}`;
}

interface SystemErrorLike {
  code?: string;
  message: string;
  errors?: unknown;
}

/** The deepest error in the cause chain that carries a code (the system error), else the deepest with a message. */
function systemError(error: unknown): SystemErrorLike | null {
  let coded: SystemErrorLike | null = null;
  let deepest: SystemErrorLike | null = null;
  for (let current: unknown = error, depth = 0; typeof current === 'object' && current !== null && depth < 6; depth += 1) {
    const { code, message, errors, cause } = current as { code?: unknown; message?: unknown; errors?: unknown; cause?: unknown };
    const text = typeof message === 'string' ? message : '';
    if (typeof code === 'string') coded = { code, message: text, errors };
    if (text || Array.isArray(errors) || deepest === null) deepest = { message: text, errors };
    current = cause;
  }
  return coded ?? deepest;
}
