// server.address and server.port of the service a span's work ran on, from its base URL.
export function serverOf(baseURL: string): { address: string | null; port: number | null } {
  try {
    const url = new URL(baseURL);
    const port = url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
    return { address: url.hostname.replace(/^\[|\]$/g, ''), port };
  } catch {
    return { address: null, port: null };
  }
}
