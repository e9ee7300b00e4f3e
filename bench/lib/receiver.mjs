// Starts the OTLP receiver process and talks to its /_rx control routes.
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const SCRIPT = fileURLToPath(new URL('../receiver-process.mjs', import.meta.url));

export async function startReceiverProcess() {
  const child = fork(SCRIPT, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const url = await new Promise((resolve, reject) => {
    child.once('message', (m) => resolve(m.url));
    child.once('exit', (code) => reject(new Error(`receiver exited early (${code})`)));
  });
  const call = async (method, path, body) => {
    const res = await fetch(`${url}${path}`, {
      method,
      ...(body !== undefined ? { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } } : {}),
    });
    if (!res.ok) throw new Error(`receiver ${path}: HTTP ${res.status}`);
    return res.json();
  };
  const stats = () => call('GET', '/_rx/stats');
  return {
    url,
    pid: child.pid,
    stats,
    reset: () => call('POST', '/_rx/reset', {}),
    /** Receive times (ms) of the given span ids, null for ids never received. */
    lookup: async (ids) => {
      const out = [];
      for (let i = 0; i < ids.length; i += 50_000) out.push(...(await call('POST', '/_rx/lookup', ids.slice(i, i + 50_000))));
      return out;
    },
    /** Resolves with the stats once `unique` spans have arrived; rejects after timeoutMs. */
    async waitForUnique(n, timeoutMs, pollMs = 20) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const s = await stats();
        if (s.unique >= n) return s;
        if (Date.now() > deadline) throw new Error(`receiver: ${s.unique} of ${n} spans after ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, pollMs));
      }
    },
    close: () => {
      child.disconnect();
      return new Promise((r) => child.once('exit', r));
    },
  };
}
