// The OpenAI error shape, with the messages the real API uses, so clients see what they would see.

export interface ApiError {
  status: number;
  message: string;
  type: string;
  param: string | null;
  code: string | null;
  /** Extra response headers (retry-after, x-ratelimit-*). */
  headers?: Record<string, string>;
}

export interface ErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

export function errorBody(error: ApiError): ErrorBody {
  return { error: { message: error.message, type: error.type, param: error.param, code: error.code } };
}

export const invalid = (status: number, message: string, param: string | null = null, code: string | null = null): ApiError => ({
  status,
  message,
  type: 'invalid_request_error',
  param,
  code,
});

export const notFound = (what: 'thread' | 'run' | 'run step' | 'assistant', id: string): ApiError =>
  invalid(404, `No ${what} found with id '${id}'.`);

export const invalidUrl = (method: string, path: string): ApiError => invalid(404, `Invalid URL (${method} ${path})`);

/** Shows only the start and end of a key, as the real API does. */
export function maskKey(key: string): string {
  if (key.length <= 8) return '*'.repeat(key.length);
  return `${key.slice(0, 3)}${'*'.repeat(Math.min(key.length - 7, 20))}${key.slice(-4)}`;
}

export const missingApiKey = (): ApiError =>
  invalid(
    401,
    "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY), or as the password field (with blank username) if you're accessing the API from your browser and are prompted for a username and password. You can obtain an API key from https://platform.openai.com/account/api-keys.",
    null,
    null,
  );

export const incorrectApiKey = (given: string): ApiError =>
  invalid(
    401,
    `Incorrect API key provided: ${maskKey(given)}. You can find your API key at https://platform.openai.com/account/api-keys.`,
    null,
    'invalid_api_key',
  );

export const missingBetaHeader = (): ApiError =>
  invalid(
    400,
    "You must provide the 'OpenAI-Beta' header to access the Assistants API. Please try again by setting the header 'OpenAI-Beta: assistants=v2'.",
    null,
    'invalid_beta',
  );

export const invalidJsonBody = (): ApiError =>
  invalid(
    400,
    "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON. If you have trouble figuring out how to fix this, please contact us through our help center at help.openai.com.)",
  );

export const missingParameter = (param: string): ApiError =>
  invalid(400, `Missing required parameter: '${param}'.`, param, 'missing_required_parameter');

export const invalidType = (param: string, expected: string, got: unknown): ApiError =>
  invalid(400, `Invalid type for '${param}': expected ${expected}, but got ${describeType(got)} instead.`, param, 'invalid_type');

export const invalidValue = (param: string, got: string, supported: readonly string[]): ApiError =>
  invalid(400, `Invalid value: '${got}'. Supported values are: ${supported.map((s) => `'${s}'`).join(' and ')}.`, param, 'invalid_value');

export const integerOutOfRange = (param: string, got: number, bound: 'min' | 'max', limit: number): ApiError =>
  bound === 'max'
    ? invalid(
        400,
        `Invalid '${param}': integer above maximum value. Expected a value <= ${limit}, but got ${got} instead.`,
        param,
        'integer_above_max_value',
      )
    : invalid(
        400,
        `Invalid '${param}': integer below minimum value. Expected a value >= ${limit}, but got ${got} instead.`,
        param,
        'integer_below_min_value',
      );

export const badRequest = (message: string, param: string | null = null, code: string | null = null): ApiError =>
  invalid(400, message, param, code);

export const rateLimited = (headers: Record<string, string>): ApiError => ({
  status: 429,
  message: 'Rate limit reached for requests',
  type: 'requests',
  param: null,
  code: 'rate_limit_exceeded',
  headers,
});

const SERVER_ERROR_MESSAGES: Record<number, string> = {
  500: 'The server had an error while processing your request. Sorry about that!',
  502: 'Bad gateway.',
  503: 'The server is overloaded or not ready yet.',
  504: 'Gateway timeout.',
};

export const serverError = (status: number): ApiError => ({
  status,
  message: SERVER_ERROR_MESSAGES[status] ?? SERVER_ERROR_MESSAGES[500] ?? 'Server error',
  type: 'server_error',
  param: null,
  code: null,
});

function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'an integer' : 'a decimal';
  if (typeof value === 'string') return 'a string';
  if (typeof value === 'boolean') return 'a boolean';
  return 'an object';
}
