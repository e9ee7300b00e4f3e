// The secrets webhooks are verified with: one, or two while the sender rotates its secret (a
// delivery signed with either is accepted). From the environment or from a file; a secret's
// value never appears in a message, a log line or a serialized object.
import { readFileSync } from 'node:fs';
import { inspect } from 'node:util';
import { ConfigError } from '../config/config-error.js';

/** The variables the `openai` SDK and OpenAI's documentation name; PREVIOUS only during a rotation. */
export const WEBHOOK_SECRET_ENV = 'OPENAI_WEBHOOK_SECRET';
export const PREVIOUS_WEBHOOK_SECRET_ENV = 'OPENAI_WEBHOOK_SECRET_PREVIOUS';

/** Where the secrets come from; `field` (and `source`) name the setting in an error, as the CLI or config file spells it. */
export type WebhookSecretSource =
  | { from: 'env'; secrets: readonly { variable: string; value: string }[] }
  /** One secret a line, two while one rotates. */
  | { from: 'file'; path: string; field: string; source?: string };

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/**
 * Null when `secret` can verify signatures; else why not, without quoting it. A `whsec_` secret
 * is base64 after the prefix and holds 24 to 64 bytes (Standard Webhooks); any other non-empty
 * string is used as its UTF-8 bytes, as the SDK does.
 */
export function secretProblem(secret: string): string | null {
  if (secret === '') return 'must not be empty';
  if (/\s/.test(secret)) return 'must be one secret without spaces';
  if (!secret.startsWith('whsec_')) return null;
  const encoded = secret.slice('whsec_'.length);
  if (!BASE64.test(encoded) || encoded.length % 4 !== 0) return "a 'whsec_' secret must be base64 after the prefix";
  const bytes = Buffer.from(encoded, 'base64').length;
  return bytes >= 24 && bytes <= 64 ? null : `a 'whsec_' secret must hold 24 to 64 bytes (got ${bytes})`;
}

/** One or two secrets; shown as their count only. */
export class WebhookSecrets {
  readonly #values: readonly string[];

  constructor(values: readonly string[]) {
    if (values.length < 1 || values.length > 2) throw new RangeError(`webhook secrets: one or two, got ${values.length}`);
    for (const v of values) if (secretProblem(v) !== null) throw new RangeError('webhook secrets: a secret is malformed');
    this.#values = [...values];
  }

  get count(): number {
    return this.#values.length;
  }

  /** The secrets, the current one first: for verifying a signature and nothing else. */
  values(): readonly string[] {
    return this.#values;
  }

  toJSON(): { count: number } {
    return { count: this.count };
  }

  [inspect.custom](): string {
    return `WebhookSecrets { count: ${this.count} }`;
  }
}

/**
 * The secrets the environment sets, or undefined when it sets none. The previous secret alone is
 * a ConfigError: it is accepted only beside the current one.
 */
export function webhookSecretsFromEnv(env: Readonly<Record<string, string | undefined>>): WebhookSecretSource | undefined {
  const current = env[WEBHOOK_SECRET_ENV];
  const previous = env[PREVIOUS_WEBHOOK_SECRET_ENV];
  const given = (v: string | undefined): v is string => v !== undefined && v.trim() !== '';
  if (!given(current)) {
    if (given(previous))
      throw new ConfigError(
        WEBHOOK_SECRET_ENV,
        `must be set when ${PREVIOUS_WEBHOOK_SECRET_ENV} is (the previous secret is accepted only beside it)`,
      );
    return undefined;
  }
  const secrets = [{ variable: WEBHOOK_SECRET_ENV, value: current.trim() }];
  if (given(previous)) secrets.push({ variable: PREVIOUS_WEBHOOK_SECRET_ENV, value: previous.trim() });
  return { from: 'env', secrets };
}

/** Reads and checks the secrets; a missing, unreadable or malformed one is a ConfigError naming the setting. */
export function loadWebhookSecrets(source: WebhookSecretSource): WebhookSecrets {
  if (source.from === 'env') {
    for (const { variable, value } of source.secrets) {
      const problem = secretProblem(value);
      if (problem !== null) throw new ConfigError(variable, problem);
    }
    return new WebhookSecrets(source.secrets.map((s) => s.value));
  }
  let text: string;
  try {
    text = readFileSync(source.path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new ConfigError(source.field, `cannot read the webhook secret file ${source.path} (${code})`, source.source);
  }
  // Blank lines (the newline `echo` ends a file with) are not secrets.
  const lines = text
    .split(/\r?\n/)
    .map((line, index) => ({ value: line.trim(), line: index + 1 }))
    .filter((l) => l.value !== '');
  if (lines.length === 0) throw new ConfigError(source.field, `the webhook secret file ${source.path} is empty`, source.source);
  if (lines.length > 2) {
    throw new ConfigError(
      source.field,
      `the webhook secret file ${source.path} holds ${lines.length} lines; it holds one secret, or two while one rotates`,
      source.source,
    );
  }
  for (const { value, line } of lines) {
    const problem = secretProblem(value);
    if (problem !== null)
      throw new ConfigError(source.field, `line ${line} of the webhook secret file ${source.path}: ${problem}`, source.source);
  }
  return new WebhookSecrets(lines.map((l) => l.value));
}
