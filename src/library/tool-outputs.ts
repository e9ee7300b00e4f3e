// Tells the bridge when the app has submitted tool outputs. A run in `requires_action` is looked at
// less and less often (the bridge cannot know when the outputs will come), so the step the outputs
// end would reach the trace up to a back-off late; registering the run again once the API has
// accepted the outputs makes the bridge look at it right away.
import { isFn, isObj, isRun, observeResult, overlay, type Fn, type Obj } from './overlay.js';

/** Starts registering a run again; never throws (the registrar counts failures). */
export type Renew = (threadId: string, runId: string) => void;

/**
 * The run a submit call names: `(runId, { thread_id, ... })` in openai 5 and later,
 * `(threadId, runId, body)` in openai 4.
 */
function submitTarget(args: unknown[]): { threadId: string; runId: string } | null {
  const [first, second] = args;
  if (typeof first !== 'string') return null;
  if (typeof second === 'string') return { threadId: first, runId: second };
  if (isObj(second) && typeof second.thread_id === 'string') return { threadId: second.thread_id, runId: first };
  return null;
}

/** `submitToolOutputs`: renews once the API accepted the outputs (a run, or an event stream that started). */
function tracedSubmit(submit: Fn, target: object, renew: Renew): Fn {
  return (...args: unknown[]) => {
    const named = submitTarget(args);
    return observeResult(submit.apply(target, args), (data) => {
      if (named) renew(named.threadId, named.runId);
      else if (isRun(data)) renew(data.thread_id, data.id);
      return data;
    });
  };
}

/**
 * `submitToolOutputsAndPoll` calls the resource's own `submitToolOutputs`: run it against a view
 * whose submitter is the traced one, so the bridge hears of the submit before polling starts.
 * Should an SDK version not go through it, the run is renewed when polling ends instead.
 */
function tracedSubmitAndPoll(method: Fn, target: object, traced: Fn, renew: Renew): Fn {
  return (...args: unknown[]) => {
    let submitted = false;
    const inner = overlay(target, (prop) =>
      prop === 'submitToolOutputs'
        ? (...a: unknown[]) => {
            submitted = true;
            return traced(...a);
          }
        : undefined,
    );
    const result = method.apply(inner, args);
    if (!isObj(result) || !isFn(result.then)) return result;
    return (result as unknown as Promise<unknown>).then((run) => {
      if (!submitted && isRun(run)) renew(run.thread_id, run.id);
      return run;
    });
  };
}

/**
 * `submitToolOutputsStream` submits through the client's own runs resource, out of reach of a
 * view: renew when the AssistantStream connects (the API answered the submit with its stream).
 */
function tracedSubmitStream(method: Fn, target: object, renew: Renew): Fn {
  return (...args: unknown[]) => {
    const stream = method.apply(target, args);
    const named = submitTarget(args);
    if (named && isObj(stream) && isFn(stream.on)) stream.on.call(stream, 'connect', () => renew(named.threadId, named.runId));
    return stream;
  };
}

/** The traced tool-output submitters of a runs resource, by method name (those it has). */
export function toolOutputSubmitters(runs: Obj, renew: Renew): Map<string, Fn> {
  const out = new Map<string, Fn>();
  const submit = runs.submitToolOutputs;
  if (!isFn(submit)) return out;
  const traced = tracedSubmit(submit, runs, renew);
  out.set('submitToolOutputs', traced);
  if (isFn(runs.submitToolOutputsAndPoll))
    out.set('submitToolOutputsAndPoll', tracedSubmitAndPoll(runs.submitToolOutputsAndPoll, runs, traced, renew));
  if (isFn(runs.submitToolOutputsStream)) out.set('submitToolOutputsStream', tracedSubmitStream(runs.submitToolOutputsStream, runs, renew));
  return out;
}
