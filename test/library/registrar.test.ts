// Registration over the bridge's control route, against a stand-in HTTP server.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { BRIDGE_URL_ENV, CONTROL_TOKEN_ENV, controlRouteRegister, normalizeBridgeUrl, Registrar } from '../../src/library/registrar.js';

interface Seen {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: unknown;
}

let server: Server | undefined;
afterEach(async () => {
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  server = undefined;
  Reflect.deleteProperty(process.env, BRIDGE_URL_ENV);
  Reflect.deleteProperty(process.env, CONTROL_TOKEN_ENV);
});

async function bridgeStandIn(status: number, answer: unknown): Promise<{ url: string; seen: Seen[] }> {
  const seen: Seen[] = [];
  server = createServer((req, res) => {
    let text = '';
    req.on('data', (c: Buffer) => (text += c.toString()));
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: text ? JSON.parse(text) : null });
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
    });
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

describe('control route registration', () => {
  it('POSTs {thread_id, run_id} to /v1/runs with the bearer token, and counts a 201 as registered', async () => {
    const { url, seen } = await bridgeStandIn(201, { run: { run_id: 'run_1' } });
    const registrar = new Registrar({ bridgeUrl: `${url}/`, token: 's3cret' });
    await registrar.register('thread_1', 'run_1');
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ method: 'POST', url: '/v1/runs', body: { thread_id: 'thread_1', run_id: 'run_1' } });
    expect(seen[0]!.headers.authorization).toBe('Bearer s3cret');
    expect(seen[0]!.headers['content-type']).toBe('application/json');
    expect(registrar.stats()).toEqual({ registered: 1, failed: 0, pending: 0, lastError: null });
  });

  it('takes the address and the token from the environment the bridge uses, and sends no token without one', async () => {
    const { url, seen } = await bridgeStandIn(200, {});
    process.env[BRIDGE_URL_ENV] = url.replace('http://', '');
    const registrar = new Registrar();
    await registrar.register('thread_1', 'run_1');
    expect(seen[0]!.headers.authorization).toBeUndefined();
    process.env[CONTROL_TOKEN_ENV] = ' from-env \n';
    await new Registrar().register('thread_1', 'run_2');
    expect(seen[1]!.headers.authorization).toBe('Bearer from-env');
    expect(registrar.stats().registered).toBe(1);
  });

  it('counts and logs a refusal with the bridge’s own message, once, without retrying', async () => {
    const { url, seen } = await bridgeStandIn(401, { error: { message: 'control routes need Authorization: Bearer <token>' } });
    const warn = vi.fn();
    const registrar = new Registrar({ bridgeUrl: url, logger: { warn } });
    await registrar.register('thread_1', 'run_1');
    expect(seen).toHaveLength(1);
    expect(registrar.stats()).toMatchObject({ registered: 0, failed: 1 });
    expect(registrar.stats().lastError).toBe(
      `the bridge at ${url}/v1/runs answered 401: control routes need Authorization: Bearer <token>`,
    );
    expect(warn).toHaveBeenCalledTimes(1);
  });

  it('counts an unreachable bridge as a failure after one retry, and never rejects', async () => {
    const { url } = await bridgeStandIn(200, {});
    await new Promise((resolve) => server!.close(resolve));
    server = undefined;
    const attempts = vi.fn(fetch);
    const register = controlRouteRegister({ bridgeUrl: url, fetch: attempts, timeoutMs: 500 });
    await expect(register('thread_1', 'run_1')).rejects.toThrow(`cannot reach the bridge at ${url}/v1/runs`);
    expect(attempts).toHaveBeenCalledTimes(2);
    const registrar = new Registrar({ bridgeUrl: url, timeoutMs: 500 });
    await expect(registrar.register('thread_1', 'run_1')).resolves.toBeUndefined();
    expect(registrar.stats()).toMatchObject({ failed: 1, pending: 0 });
  });

  it('flush waits for registrations still on their way', async () => {
    let release: () => void = () => undefined;
    const registrar = new Registrar({ register: () => new Promise<void>((resolve) => (release = resolve)) });
    void registrar.register('thread_1', 'run_1');
    expect(registrar.stats().pending).toBe(1);
    const flushed = registrar.flush();
    release();
    await flushed;
    expect(registrar.stats()).toMatchObject({ registered: 1, pending: 0 });
  });

  it('accepts host:port or a URL for the bridge address', () => {
    expect(normalizeBridgeUrl('127.0.0.1:9464')).toBe('http://127.0.0.1:9464');
    expect(normalizeBridgeUrl('https://bridge.internal:9464/')).toBe('https://bridge.internal:9464');
  });
});
