// Credentials on the wire: the `api-key` header for Azure keys (and no Authorization header),
// bearer tokens for OpenAI keys, static tokens and Entra ID; Entra tokens renewed before they
// expire, shared by concurrent requests; one clear fatal error for credentials that cannot work.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULTS } from '../../src/config/defaults.js';
import { ConfigError } from '../../src/config/config-error.js';
import type { ApiConfig } from '../../src/config/types.js';
import type { Fetch } from '../../src/scheduler/budgeted-fetch.js';
import { AssistantsSource } from '../../src/sources/assistants/assistants-source.js';
import { AuthFailure, NotFound } from '../../src/api/errors.js';
import { jwtExpiry } from '../../src/api/auth/bearer-env.js';
import { CredentialFailure } from '../../src/api/auth/credential-failure.js';
import { createTokenProvider, type AccessTokenLike } from '../../src/api/auth/token-provider.js';
import { createApiClient } from '../../src/api/client.js';
import { createAzureFoundryDialect } from '../../src/simulator/dialects/azure-foundry.js';
import { startSimulator, type RunningSimulator, type Truth } from '../../src/simulator/index.js';

let sim: RunningSimulator | undefined;
afterEach(async () => {
  await sim?.shutdown();
  sim = undefined;
});

const SCOPE = 'https://ai.azure.com/.default';

/** An in-process token issuer on a hand-moved clock: tokens live `lifetimeMs` and are then refused. */
class FakeIssuer {
  now = 1_700_000_000_000;
  calls = 0;
  failNext: Error | null = null;
  private readonly expiry = new Map<string, number>();
  constructor(private readonly lifetimeMs = 60_000) {}

  credential = async () => ({
    getToken: async (scopes: string | string[]): Promise<AccessTokenLike> => {
      this.calls += 1;
      expect(scopes).toBe(SCOPE);
      if (this.failNext) {
        const error = this.failNext;
        this.failNext = null;
        throw error;
      }
      await new Promise((r) => setTimeout(r, 5));
      const token = `entra-${this.calls}`;
      this.expiry.set(token, this.now + this.lifetimeMs);
      return { token, expiresOnTimestamp: this.now + this.lifetimeMs };
    },
  });

  accepts = (token: string): boolean => (this.expiry.get(token) ?? 0) > this.now;
}

/** A fetch that records the headers and URL of every request. */
function recordingFetch(): { fetch: Fetch; requests: { url: string; headers: Headers }[] } {
  const requests: { url: string; headers: Headers }[] = [];
  return {
    requests,
    fetch: (input, init) => {
      requests.push({ url: String(input instanceof Request ? input.url : input), headers: new Headers(init?.headers) });
      return fetch(input, init);
    },
  };
}

function apiConfig(overrides: Partial<ApiConfig>): ApiConfig {
  return { ...DEFAULTS.api, timeoutMs: 5_000, ...overrides };
}

async function firstThread(s: RunningSimulator): Promise<string> {
  const truth = (await (await fetch(`${s.origin}/_sim/truth`)).json()) as Truth;
  return truth.runs[0]!.threadId;
}

const WORLD = { threads: 3, backfillRuns: 4, liveRuns: 0 };

describe('what goes on the wire', () => {
  it('an Azure key goes in the api-key header, with no Authorization header, and the api-version is sent', async () => {
    sim = await startSimulator({ dialect: 'azure-openai', apiKey: 'aoai-key', world: WORLD, clock: { speed: 0 } });
    const { fetch: f, requests } = recordingFetch();
    const client = createApiClient(
      apiConfig({
        baseURL: sim.url,
        provider: 'azure-openai',
        apiVersion: '2024-05-01-preview',
        apiKey: 'aoai-key',
        credential: { auth: 'api-key' },
      }),
      f,
    );
    const runs = await new AssistantsSource({ client, includeFileSearchContent: false }).listRuns(await firstThread(sim), null);
    expect(runs.items.length).toBeGreaterThan(0);
    expect(requests[0]!.headers.get('api-key')).toBe('aoai-key');
    expect(requests[0]!.headers.has('authorization')).toBe(false);
    expect(new URL(requests[0]!.url).searchParams.get('api-version')).toBe('2024-05-01-preview');
  });

  it('an OpenAI key goes as a bearer token, with no api-key header', async () => {
    sim = await startSimulator({ apiKey: 'sk-openai', world: WORLD, clock: { speed: 0 } });
    const { fetch: f, requests } = recordingFetch();
    const client = createApiClient(apiConfig({ baseURL: sim.url, apiKey: 'sk-openai' }), f);
    await new AssistantsSource({ client, includeFileSearchContent: false }).listRuns(await firstThread(sim), null);
    expect(requests[0]!.headers.get('authorization')).toBe('Bearer sk-openai');
    expect(requests[0]!.headers.has('api-key')).toBe(false);
    expect(new URL(requests[0]!.url).searchParams.has('api-version')).toBe(false);
  });

  it('a static token from the environment goes as a bearer token', async () => {
    sim = await startSimulator({ dialect: 'azure-foundry', apiKey: 'static-token', world: WORLD, clock: { speed: 0 } });
    const { fetch: f, requests } = recordingFetch();
    const client = createApiClient(
      apiConfig({
        baseURL: sim.url,
        provider: 'azure-foundry',
        apiVersion: 'v1',
        credential: { auth: 'bearer-env', variable: 'MY_TOKEN', token: 'static-token' },
      }),
      f,
    );
    await new AssistantsSource({ client, includeFileSearchContent: false }).listRuns(await firstThread(sim), null);
    expect(requests[0]!.headers.get('authorization')).toBe('Bearer static-token');
    expect(requests[0]!.headers.has('api-key')).toBe(false);
  });
});

describe('static bearer tokens', () => {
  const jwt = (exp: number) => `e30.${Buffer.from(JSON.stringify({ exp, aud: 'https://ai.azure.com' })).toString('base64url')}.sig`;
  const config = (token: string | null) =>
    apiConfig({
      baseURL: 'http://127.0.0.1:9/x',
      provider: 'azure-foundry',
      apiVersion: 'v1',
      credential: { auth: 'bearer-env', variable: 'MY_TOKEN', token },
    });

  it('reads the expiry of a JWT and nothing of other tokens', () => {
    expect(jwtExpiry(jwt(1234))).toBe(1234);
    expect(jwtExpiry('opaque-token')).toBeNull();
    expect(jwtExpiry('a.%%%.c')).toBeNull();
  });

  it('refuse to start when the variable is empty or the JWT has expired, naming the variable', () => {
    expect(() => createApiClient(config(null), fetch)).toThrow(ConfigError);
    expect(() => createApiClient(config(null), fetch)).toThrow(/MY_TOKEN is not set/);
    expect(() => createApiClient(config(jwt(1_000)), fetch, { now: () => 2_000_000 })).toThrow(
      /the token in MY_TOKEN expired at 1970-01-01T00:16:40.000Z/,
    );
    expect(() => createApiClient(config(jwt(3_000)), fetch, { now: () => 2_000_000 })).not.toThrow();
  });

  it('a token the service refuses is one fatal AuthFailure that names the variable', async () => {
    sim = await startSimulator({ dialect: 'azure-foundry', apiKey: 'the-right-one', world: WORLD, clock: { speed: 0 } });
    const client = createApiClient(
      apiConfig({
        baseURL: sim.url,
        provider: 'azure-foundry',
        apiVersion: 'v1',
        credential: { auth: 'bearer-env', variable: 'MY_TOKEN', token: 'stale' },
      }),
      fetch,
    );
    const error = await new AssistantsSource({ client, includeFileSearchContent: false })
      .listRuns(await firstThread(sim), null)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthFailure);
    expect((error as AuthFailure).message).toMatch(/^the API rejected the bearer token from MY_TOKEN \(401\)/);
  });
});

describe('Entra ID tokens', () => {
  it('are fetched once, reused, and renewed before they expire', async () => {
    const issuer = new FakeIssuer(60_000);
    const token = createTokenProvider(issuer.credential, { scope: SCOPE, now: () => issuer.now });
    expect(await token()).toBe('entra-1');
    issuer.now += 20_000;
    expect(await token()).toBe('entra-1');
    expect(issuer.calls).toBe(1);
    // Half the lifetime is the margin for a short-lived token: renewed at 30 s, before the 60 s expiry.
    issuer.now += 11_000;
    expect(await token()).toBe('entra-2');
    expect(issuer.calls).toBe(2);
  });

  it('renew with the default five-minute margin and honour refreshAfterTimestamp', async () => {
    let now = 0;
    let calls = 0;
    const credential = async () => ({
      getToken: async (): Promise<AccessTokenLike> => {
        calls += 1;
        return { token: `t${calls}`, expiresOnTimestamp: now + 3_600_000, ...(calls === 2 ? { refreshAfterTimestamp: now + 60_000 } : {}) };
      },
    });
    const token = createTokenProvider(credential, { scope: SCOPE, now: () => now });
    expect(await token()).toBe('t1');
    now = 3_600_000 - 300_001;
    expect(await token()).toBe('t1');
    now += 2;
    expect(await token()).toBe('t2');
    now += 60_000;
    expect(await token()).toBe('t3');
  });

  it('share one renewal between concurrent requests', async () => {
    const issuer = new FakeIssuer();
    const token = createTokenProvider(issuer.credential, { scope: SCOPE, now: () => issuer.now });
    const tokens = await Promise.all(Array.from({ length: 8 }, () => token()));
    expect(new Set(tokens)).toEqual(new Set(['entra-1']));
    expect(issuer.calls).toBe(1);
  });

  it('keep using a still-valid token when a renewal fails for a passing reason, and throw when there is none', async () => {
    const issuer = new FakeIssuer(60_000);
    const token = createTokenProvider(issuer.credential, { scope: SCOPE, now: () => issuer.now });
    issuer.failNext = new Error('ECONNRESET');
    const first = await token().catch((e: unknown) => e);
    expect(first).toBeInstanceOf(Error);
    expect(first).not.toBeInstanceOf(CredentialFailure);
    expect(await token()).toBe('entra-2');
    issuer.now += 40_000;
    issuer.failNext = new Error('ETIMEDOUT');
    expect(await token()).toBe('entra-2');
    expect(await token()).toBe('entra-4');
  });

  it('turn "no credential available" into one line with what to do', async () => {
    const issuer = new FakeIssuer();
    issuer.failNext = Object.assign(
      new Error(
        'DefaultAzureCredential failed to retrieve a token from the included credentials.\nAttempted credentials:\n\tAzureCliCredential: Azure CLI could not be found.',
      ),
      { name: 'CredentialUnavailableError' },
    );
    const error = await createTokenProvider(issuer.credential, { scope: SCOPE })().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CredentialFailure);
    const message = (error as CredentialFailure).summary;
    expect(message).not.toContain('\n');
    expect(message).toMatch(
      /^entra-id: no token for https:\/\/ai\.azure\.com\/\.default: DefaultAzureCredential failed to retrieve a token/,
    );
    expect(message).toContain('az login');
  });

  it('say why each credential of a chain failed, briefly', async () => {
    const issuer = new FakeIssuer();
    const unavailable = (message: string) => Object.assign(new Error(message), { name: 'CredentialUnavailableError' });
    issuer.failNext = Object.assign(new Error('ChainedTokenCredential authentication failed.'), {
      name: 'AggregateAuthenticationError',
      errors: [
        unavailable('Azure CLI could not be found. Please visit https://aka.ms/azure-cli.'),
        unavailable('Error: Unable to execute PowerShell. Ensure that it is installed.'),
      ],
    });
    const error = (await createTokenProvider(issuer.credential, { scope: SCOPE })().catch((e: unknown) => e)) as CredentialFailure;
    expect(error.summary).toContain('no credential in the chain worked (Azure CLI could not be found; Unable to execute PowerShell)');
  });

  it('treat a secret Entra ID rejects as permanent, and a server error there as passing', async () => {
    const rejected = Object.assign(new Error('AADSTS7000215: Invalid client secret provided.'), {
      name: 'AuthenticationError',
      statusCode: 401,
    });
    const outage = Object.assign(new Error('service unavailable'), { name: 'AuthenticationError', statusCode: 503 });
    const issuer = new FakeIssuer();
    issuer.failNext = rejected;
    await expect(createTokenProvider(issuer.credential, { scope: SCOPE })()).rejects.toBeInstanceOf(CredentialFailure);
    issuer.failNext = outage;
    const error = await createTokenProvider(issuer.credential, { scope: SCOPE })().catch((e: unknown) => e);
    expect(error).not.toBeInstanceOf(CredentialFailure);
  });

  it('keep a watcher-like loop authenticated against the simulator for many token lifetimes', async () => {
    const issuer = new FakeIssuer(60_000);
    sim = await startSimulator({
      dialect: createAzureFoundryDialect({ acceptToken: (t) => issuer.accepts(t) }),
      world: WORLD,
      clock: { speed: 0 },
    });
    const { fetch: f, requests } = recordingFetch();
    const config = apiConfig({
      baseURL: sim.url,
      provider: 'azure-foundry',
      apiVersion: 'v1',
      credential: { auth: 'entra-id', scope: SCOPE },
    });
    const client = createApiClient(config, f, { credential: issuer.credential, now: () => issuer.now });
    expect(issuer.calls).toBe(0);
    const source = new AssistantsSource({ client, includeFileSearchContent: false });
    const thread = await firstThread(sim);
    for (let i = 0; i < 12; i += 1) {
      await source.listRuns(thread, null);
      issuer.now += 20_000;
    }
    // 12 polls over 240 s with 60 s tokens: renewed every 30 s, never sent expired.
    expect(issuer.calls).toBeGreaterThanOrEqual(6);
    expect(issuer.calls).toBeLessThanOrEqual(9);
    expect(sim.requestLog().filter((e) => !e.control && e.status !== 200)).toEqual([]);
    expect(requests.every((r) => /^Bearer entra-\d+$/.test(r.headers.get('authorization') ?? ''))).toBe(true);
    expect(requests.some((r) => r.headers.has('api-key'))).toBe(false);
  });

  it('no identity at all is one AuthFailure line from the source, not a retry loop', async () => {
    const issuer = new FakeIssuer();
    issuer.failNext = Object.assign(new Error('EnvironmentCredential is unavailable.\nmore'), { name: 'CredentialUnavailableError' });
    sim = await startSimulator({ dialect: 'azure-foundry', world: WORLD, clock: { speed: 0 } });
    const config = apiConfig({
      baseURL: sim.url,
      provider: 'azure-foundry',
      apiVersion: 'v1',
      credential: { auth: 'entra-id', scope: SCOPE },
    });
    const source = new AssistantsSource({
      client: createApiClient(config, fetch, { credential: issuer.credential }),
      includeFileSearchContent: false,
    });
    const error = await source.listRuns(await firstThread(sim), null).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthFailure);
    expect((error as AuthFailure).message).toMatch(
      /^entra-id: no token for .*: EnvironmentCredential is unavailable\. \(sign in with `az login`/,
    );
    expect(sim.requestLog().filter((e) => !e.control)).toEqual([]);
  });

  it('a token the service refuses words the failure for Entra ID', async () => {
    const issuer = new FakeIssuer();
    sim = await startSimulator({ dialect: createAzureFoundryDialect({ acceptToken: () => false }), world: WORLD, clock: { speed: 0 } });
    const config = apiConfig({
      baseURL: sim.url,
      provider: 'azure-foundry',
      apiVersion: 'v1',
      credential: { auth: 'entra-id', scope: SCOPE },
    });
    const source = new AssistantsSource({
      client: createApiClient(config, fetch, { credential: issuer.credential }),
      includeFileSearchContent: false,
    });
    const error = await source.listRuns(await firstThread(sim), null).catch((e: unknown) => e);
    expect((error as Error).message).toBe(
      `the API rejected the Entra ID token (401): check the signed-in identity and api.token_scope (${SCOPE})`,
    );
  });

  it('@azure/identity is only ever imported dynamically', () => {
    const files = (dir: string): string[] =>
      readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
        e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
      );
    const statics = files(join(import.meta.dirname, '../../src')).filter((f) =>
      /^\s*import\s[^(]*from\s+['"]@azure\/identity['"]/m.test(readFileSync(f, 'utf8')),
    );
    expect(statics).toEqual([]);
  });
});

describe('wrong Azure keys', () => {
  it('say which variable holds the key', async () => {
    sim = await startSimulator({ dialect: 'azure-openai', apiKey: 'right', world: WORLD, clock: { speed: 0 } });
    const client = createApiClient(
      apiConfig({
        baseURL: sim.url,
        provider: 'azure-openai',
        apiVersion: '2024-05-01-preview',
        apiKey: 'wrong',
        credential: { auth: 'api-key' },
      }),
      fetch,
    );
    const error = await new AssistantsSource({ client, includeFileSearchContent: false })
      .listRuns(await firstThread(sim), null)
      .catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/^the API rejected the key \(401\): check AZURE_OPENAI_API_KEY/);
  });

  it('a missing Azure key names AZURE_OPENAI_API_KEY', () => {
    expect(() =>
      createApiClient(
        apiConfig({
          baseURL: 'http://127.0.0.1:9/openai',
          provider: 'azure-openai',
          apiVersion: 'x',
          apiKey: null,
          credential: { auth: 'api-key' },
        }),
        fetch,
      ),
    ).toThrow(/export AZURE_OPENAI_API_KEY/);
  });
});

describe('listThreads', () => {
  it('pages through the service’s threads oldest first', async () => {
    sim = await startSimulator({ dialect: 'azure-foundry', world: { threads: 5, backfillRuns: 5, liveRuns: 0 }, clock: { speed: 0 } });
    const client = createApiClient(
      apiConfig({
        baseURL: sim.url,
        provider: 'azure-foundry',
        apiVersion: 'v1',
        credential: { auth: 'bearer-env', variable: 'T', token: sim.apiKey },
      }),
      fetch,
    );
    const source = new AssistantsSource({ client, includeFileSearchContent: false });
    const first = await source.listThreads(null, 2);
    expect(first.items).toHaveLength(2);
    expect(first.hasMore).toBe(true);
    const second = await source.listThreads(first.lastId, 2);
    const third = await source.listThreads(second.lastId, 2);
    expect(third.hasMore).toBe(false);
    const all = [...first.items, ...second.items, ...third.items];
    expect(new Set(all.map((t) => t.id)).size).toBe(5);
    expect(all.map((t) => t.createdAt)).toEqual([...all.map((t) => t.createdAt)].sort((a, b) => (a ?? 0) - (b ?? 0)));
    const log = sim.requestLog().filter((e) => !e.control);
    expect(log.every((e) => /(^|&)order=asc(&|$)/.test(e.query) && /limit=2/.test(e.query))).toBe(true);
  });

  it('is NotFound where the service has no thread list (OpenAI)', async () => {
    sim = await startSimulator({ world: WORLD, clock: { speed: 0 } });
    const source = new AssistantsSource({
      client: createApiClient(apiConfig({ baseURL: sim.url, apiKey: sim.apiKey }), fetch),
      includeFileSearchContent: false,
    });
    await expect(source.listThreads(null)).rejects.toBeInstanceOf(NotFound);
  });
});
