// Listening on a HOST:PORT setting and closing again, for the servers the bridge runs: one
// failure line naming the setting, and a close that a held keep-alive connection cannot stall.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { formatAddress, ListenError, parseListenAddress } from './listen-address.js';

/** Listens on `listen` (port 0: any free port); the bound `host:port`. Rejects with a ListenError naming `setting`. */
export async function listenOn(server: Server, listen: string, setting = 'watch.listen'): Promise<string> {
  const { host, port } = parseListenAddress(listen);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host, port }, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    throw new ListenError(listen, error, setting);
  }
  const bound = server.address() as AddressInfo;
  return formatAddress(bound.address, bound.port);
}

/** Stops accepting connections; requests under way get `graceMs`, then their connections are closed. */
export function closeGracefully(server: Server, graceMs: number): Promise<void> {
  if (!server.listening) return Promise.resolve();
  return new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
    setTimeout(() => server.closeAllConnections(), graceMs).unref();
  });
}
