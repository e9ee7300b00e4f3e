// Reads the simulator's request log: what each API request was about.
//   runs.list     GET  {base}/threads/{t}/runs
//   runs.retrieve GET  {base}/threads/{t}/runs/{r}
//   steps.list    GET  {base}/threads/{t}/runs/{r}/steps
//   assistants    GET  {base}/assistants[/{a}]

const RE = /\/threads\/([^/]+)\/runs(?:\/([^/]+)(\/steps)?)?$/;

/** API requests only (no /_sim control routes), each with { time, route, threadId, runId, after }. */
export function apiRequests(sim) {
  return sim
    .requestLog()
    .filter((e) => !e.control)
    .map((e) => {
      const m = RE.exec(e.path);
      const after = new URLSearchParams(e.query).get('after');
      if (e.method === 'GET' && m) {
        const [, threadId, runId, steps] = m;
        return {
          time: e.time,
          status: e.status,
          route: steps ? 'steps.list' : runId ? 'runs.retrieve' : 'runs.list',
          threadId,
          runId: runId ?? null,
          after,
        };
      }
      if (e.method === 'GET' && /\/assistants(\/[^/]+)?$/.test(e.path)) {
        return {
          time: e.time,
          status: e.status,
          route: e.path.endsWith('/assistants') ? 'assistants.list' : 'assistants.retrieve',
          threadId: null,
          runId: null,
          after,
        };
      }
      return { time: e.time, status: e.status, route: `${e.method} ${e.path}`, threadId: null, runId: null, after };
    });
}

export function countByRoute(requests) {
  const out = {};
  for (const r of requests) out[r.route] = (out[r.route] ?? 0) + 1;
  return out;
}
