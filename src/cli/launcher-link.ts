// The bridge's end of the launcher link (bin/node-runtime.mjs): on a machine whose node is too
// old, the bin is a launcher and the bridge its child under a newer Node, in the same process
// group. The link is a pipe from the launcher: it carries the signals the launcher received and
// ends when the launcher is gone, however it went (kill -9 included).
//
// One user action, one signal: a terminal's Ctrl-C (and a supervisor's signal to the group)
// reaches launcher and bridge both, so the bridge gets it directly and again over the link, while
// `kill -INT <launcher>` reaches it only over the link. A forwarded signal is therefore raised
// here only when the same signal did not arrive directly around the same time; the commands see
// exactly one, as if no launcher were there.
import net from 'node:net';

/** Set by bin/node-runtime.mjs: the file descriptor of the link. */
export const LAUNCHER_LINK_ENV = 'ASSISTANTS_OTEL_BRIDGE_LAUNCHER_FD';

const FORWARDED = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
type ForwardedSignal = (typeof FORWARDED)[number];
const isForwarded = (s: string): s is ForwardedSignal => (FORWARDED as readonly string[]).includes(s);

/** A direct signal and a forwarded one this close together are one action (a signal to the group). */
const SAME_ACTION_MS = 1_000;
/** How long a forwarded signal waits for its direct twin, which the kernel sent before the launcher woke up. */
const TWIN_WAIT_MS = 200;

export class LauncherLink {
  readonly #directAt = new Map<ForwardedSignal, number>();
  readonly #onDirect = new Map<ForwardedSignal, () => void>();
  #onGone: ((reason: string) => void) | null = null;
  #gone = false;

  /** The link this process was started with, or null when no launcher started it. */
  static fromEnv(env: NodeJS.ProcessEnv = process.env): LauncherLink | null {
    const fd = Number(env[LAUNCHER_LINK_ENV]);
    // Not for processes this one starts.
    Reflect.deleteProperty(env, LAUNCHER_LINK_ENV);
    if (!Number.isInteger(fd) || fd < 3) return null;
    let socket: net.Socket;
    try {
      socket = new net.Socket({ fd, readable: true, writable: false });
    } catch {
      return null;
    }
    return new LauncherLink(socket);
  }

  private constructor(socket: net.Socket) {
    for (const signal of FORWARDED) {
      const record = (): void => this.#direct(signal);
      this.#onDirect.set(signal, record);
      process.on(signal, record);
    }
    let pending = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      pending += chunk;
      for (let end = pending.indexOf('\n'); end >= 0; end = pending.indexOf('\n')) {
        this.#message(pending.slice(0, end).trim());
        pending = pending.slice(end + 1);
      }
    });
    socket.on('end', () => this.#launcherGone('the launcher exited'));
    socket.on('error', () => this.#launcherGone('the launcher exited'));
    socket.on('close', () => this.#launcherGone('the launcher exited'));
    // The link never keeps the bridge alive: a finished command exits as usual.
    socket.unref();
  }

  /**
   * What to do when the launcher is gone (or its own parent is): `watch` stops gracefully.
   * Without a handler it counts as a SIGTERM.
   */
  onLauncherGone(handler: (reason: string) => void): void {
    this.#onGone = handler;
  }

  #direct(signal: ForwardedSignal): void {
    this.#directAt.set(signal, Date.now());
    // Only this bookkeeping listens: do what the signal would have done without it.
    if (process.listenerCount(signal) === 1) this.#raiseDefault(signal);
  }

  #message(line: string): void {
    const [kind, arg = ''] = line.split(/\s+/, 2);
    if (kind === 'signal' && isForwarded(arg)) this.#forwarded(arg);
    else if (kind === 'parent-exited') this.#launcherGone(`the process that started the launcher (pid ${arg}) exited`);
  }

  #forwarded(signal: ForwardedSignal): void {
    const arrived = Date.now();
    const twinSince = (): boolean => (this.#directAt.get(signal) ?? Number.NEGATIVE_INFINITY) >= arrived - SAME_ACTION_MS;
    if (twinSince()) return;
    setTimeout(() => {
      // A real signal to itself, so the command's own handlers (or the default action) run.
      if (!twinSince()) process.kill(process.pid, signal);
    }, TWIN_WAIT_MS).unref();
  }

  #launcherGone(reason: string): void {
    if (this.#gone) return;
    this.#gone = true;
    if (this.#onGone) this.#onGone(reason);
    else process.kill(process.pid, 'SIGTERM');
  }

  #raiseDefault(signal: ForwardedSignal): void {
    const listener = this.#onDirect.get(signal);
    if (listener) process.removeListener(signal, listener);
    process.kill(process.pid, signal);
  }
}
