// Which registrations belong to a traced client, so `flushRegistrations(client)` and
// `registrationStats(client)` work on whatever traceRuns or traceResponses returned, including a
// client wrapped by both (the outer one answers for the inner one too).
import type { RegistrationStats, Registrations } from './registrar.js';

const byClient = new WeakMap<object, readonly Registrations[]>();

/** Records that `traced` (wrapping `inner`) registers through `own`, and through whatever `inner` registers. */
export function rememberRegistrations(traced: object, inner: object, own: Registrations): void {
  byClient.set(traced, [...(byClient.get(inner) ?? []), own]);
}

function registrationsOf(client: object): readonly Registrations[] {
  const found = byClient.get(client);
  if (!found) throw new TypeError('not a client returned by traceRuns or traceResponses');
  return found;
}

/** Resolves once every registration the traced client started has settled (before a short-lived app exits). */
export async function flushRegistrations(client: object): Promise<void> {
  await Promise.all(registrationsOf(client).map((r) => r.flush()));
}

/** How registrations of the traced client went so far (summed over runs and responses). */
export function registrationStats(client: object): RegistrationStats {
  const total: RegistrationStats = { registered: 0, failed: 0, pending: 0, lastError: null };
  for (const r of registrationsOf(client)) {
    const s = r.stats();
    total.registered += s.registered;
    total.failed += s.failed;
    total.pending += s.pending;
    total.lastError = s.lastError ?? total.lastError;
  }
  return total;
}
