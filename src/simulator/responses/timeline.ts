// Places a response's items in time and answers what it looks like at a given second: status,
// the items visible so far, and where a cancellation cuts them.
import type { ApiObject } from '../state.js';
import type { ResponseDraft } from './kinds.js';
import type { OutputItemState, ResponseState, ResponseStatus, TerminalStatus } from './state.js';

/** An item's status while it runs, where the API names one other than `in_progress`. */
const RUNNING_STATUS: Record<string, string> = {
  web_search_call: 'searching',
  file_search_call: 'searching',
  code_interpreter_call: 'interpreting',
  mcp_call: 'calling',
  image_generation_call: 'generating',
};
/** An item's status when the response stops under it, where the type has no `incomplete`. */
const CUT_STATUS: Record<string, string> = { image_generation_call: 'failed', apply_patch_call: 'in_progress' };

export interface Placement {
  startedAt: number;
  endAt: number;
  endStatus: TerminalStatus;
  output: OutputItemState[];
}

/**
 * `instant` puts the whole run in the creation second (a synchronous create answers with the
 * finished response). Items without a status field appear only once done.
 */
export function placeDraft(d: ResponseDraft, createdAt: number, background: boolean, instant = false): Placement {
  const startedAt = createdAt + (background && !instant ? d.queuedFor : 0);
  let cursor = startedAt;
  let output: OutputItemState[] = d.items.map(({ body, seconds }) => {
    const appear = cursor;
    cursor += instant ? 0 : seconds;
    return { body, appearAt: 'status' in body ? appear : cursor, doneAt: cursor };
  });
  let endAt = cursor;
  let endStatus = d.outcome;
  if (d.cancelAfter !== null && !instant) {
    endAt = Math.min(cursor, startedAt + d.cancelAfter);
    output = cutOutput(output, endAt);
    endStatus = 'cancelled';
  }
  return { startedAt, endAt, endStatus, output };
}

/** The items as they stand when the response stops at `at`: later ones gone, running ones cut. */
export function cutOutput(output: readonly OutputItemState[], at: number): OutputItemState[] {
  return output
    .filter((item) => item.appearAt <= at)
    .map((item) =>
      item.doneAt <= at
        ? item
        : { body: { ...item.body, status: CUT_STATUS[String(item.body.type)] ?? 'incomplete' }, appearAt: item.appearAt, doneAt: at },
    );
}

const cancelledEarly = (r: ResponseState): r is ResponseState & { cancelledAt: number } =>
  r.cancelledAt !== null && r.cancelledAt < r.endAt;

/** When it ends (or ended), a client's cancellation included. */
export const endOf = (r: ResponseState): number => (cancelledEarly(r) ? r.cancelledAt : r.endAt);

export const terminalStatusOf = (r: ResponseState): TerminalStatus => (cancelledEarly(r) ? 'cancelled' : r.endStatus);

export function statusAt(r: ResponseState, t: number): ResponseStatus {
  if (t >= endOf(r)) return terminalStatusOf(r);
  return t >= r.startedAt ? 'in_progress' : 'queued';
}

/** The output items visible at `t`, each with the status it has then. */
export function outputAt(r: ResponseState, t: number): ApiObject[] {
  const end = endOf(r);
  const items = cancelledEarly(r) && t >= end ? cutOutput(r.output, end) : r.output;
  return items
    .filter((item) => item.appearAt <= t)
    .map((item) => (item.doneAt <= t ? item.body : { ...item.body, status: RUNNING_STATUS[String(item.body.type)] ?? 'in_progress' }));
}
