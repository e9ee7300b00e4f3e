// Every HTTP request the simulator received, faulted and rejected ones included.
import type { FaultName } from './faults.js';

export interface RequestLogEntry {
  requestId: string;
  /** Wall-clock ms when the request arrived. */
  time: number;
  method: string;
  path: string;
  /** Raw query string without the `?` ('' when none). */
  query: string;
  /** Status sent; null while unanswered (or never, for a hung request). */
  status: number | null;
  /** The fault that decided the answer, if any. */
  fault: FaultName | null;
  /** Latency added before answering. */
  latencyMs: number;
  /** A /_sim control route rather than the API. */
  control: boolean;
}

export class RequestLog {
  private entries: RequestLogEntry[] = [];

  add(entry: RequestLogEntry): void {
    this.entries.push(entry);
  }

  list(): RequestLogEntry[] {
    return this.entries.map((e) => ({ ...e }));
  }

  clear(): void {
    this.entries = [];
  }
}
