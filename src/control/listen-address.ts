// The --listen address: split into host and port, printed back, judged loopback or not, and
// its listen errors said in one line.
import { isIP } from 'node:net';
import { BridgeError, EXIT, type SettingNamer } from '../core/errors.js';

export interface ListenAddress {
  /** Without brackets: `::1`, `127.0.0.1`, `localhost`, `0.0.0.0`. */
  host: string;
  port: number;
}

/** `HOST:PORT` or `[IPv6]:PORT`, as config/values.ts parseListen accepts it. */
export function parseListenAddress(listen: string): ListenAddress {
  const match = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(listen.trim());
  const port = Number(match?.[2]);
  if (!match || port > 65535) throw new RangeError(`listen address must be HOST:PORT (got '${listen}')`);
  const [, given = ''] = match;
  const host = given.startsWith('[') ? given.slice(1, -1) : given;
  return { host, port };
}

export function formatAddress(host: string, port: number): string {
  return `${isIP(host) === 6 ? `[${host}]` : host}:${port}`;
}

/** 127.0.0.0/8, ::1 (also as an IPv4-mapped address) and `localhost`; any other name counts as reachable from the network. */
export function isLoopbackHost(host: string): boolean {
  const h = host
    .trim()
    .toLowerCase()
    .replace(/^\[(.*)\]$/, '$1');
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  const v4 = h.startsWith('::ffff:') ? h.slice(7) : h;
  if (isIP(v4) === 4) return v4.split('.')[0] === '127';
  // The URL parser writes IPv6 in its shortest form, so every spelling of ::1 compares equal.
  if (isIP(h) === 6) return new URL(`http://[${h}]/`).hostname === '[::1]';
  return false;
}

/** The address could not be listened on: the bridge cannot serve it, so it does not start (exit 2). */
export class ListenError extends BridgeError {
  constructor(
    readonly listen: string,
    cause: unknown,
    /** The setting that gave the address (its config key). */
    readonly setting = 'watch.listen',
  ) {
    super('fatal', (name) => describeListenError(listen, cause, name, setting), { exitCode: EXIT.usage, cause });
  }
}

/** One line for a failed listen, naming the address and what to do; `name` names `setting` (the CLI's flag). */
export function describeListenError(listen: string, error: unknown, name: SettingNamer | null = null, setting = 'watch.listen'): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const why =
    code === 'EADDRINUSE'
      ? 'address already in use'
      : code === 'EACCES'
        ? 'permission denied (ports below 1024 need privileges)'
        : code === 'EADDRNOTAVAIL'
          ? 'no such address on this machine'
          : code === 'ENOTFOUND' || code === 'EAI_AGAIN'
            ? 'host name not found'
            : `cannot listen (${code ?? (error instanceof Error ? error.message : String(error))})`;
  const flag = name?.(setting);
  if (flag === undefined) return `listen address ${listen}: ${why}; choose another address or turn listening off`;
  return `${flag} ${listen}: ${why}; choose another with ${flag}${setting === 'watch.listen' ? ` or use ${flag} off` : ''}`;
}
