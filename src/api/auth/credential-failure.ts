// A credential that cannot work until the user acts (no Azure identity, a rejected secret). It
// is an AuthenticationError so the openai SDK passes it through untouched from the token
// function, and the source turns it into an AuthFailure: one line, exit 2, no retry loop.
import { AuthenticationError } from 'openai';

export class CredentialFailure extends AuthenticationError {
  readonly summary: string;

  constructor(summary: string) {
    super(401, undefined, summary, new Headers());
    this.summary = summary;
    this.name = 'CredentialFailure';
  }
}

/** The first line of an error's message, without a stack, cut to `max` characters. */
export function oneLine(error: unknown, max = 300): string {
  const text = error instanceof Error ? error.message : String(error);
  const line =
    text
      .split('\n')
      .map((l) => l.trim())
      .find((l) => l.length > 0) ?? (error instanceof Error ? error.name : 'unknown error');
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}
