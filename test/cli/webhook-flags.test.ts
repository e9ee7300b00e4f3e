// The webhook flags as a user meets them, through the built CLI: listed by --help, a bad value
// exits 2 with one line naming the flag or config key, a webhook setting no source can use (the
// azure-foundry profile) is refused before the state file is created or locked, and the openai
// profile serves the OpenAI route.
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';

const API = { OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: 'http://127.0.0.1:9/v1' };
const NAME = 'assistants-otel-bridge';

describe('watch and the webhook flags', () => {
  it('lists them in --help', async () => {
    const result = await runCli(['watch', '--help']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^ {2}--webhook-listen <host:port> /m);
    expect(result.stdout).toMatch(/^ {2}--webhook-secret-file <file> /m);
  });

  it.each(['nope', 'off', '0.0.0.0:99999'])('exits 2 naming --webhook-listen for %s', async (value) => {
    const result = await runCli(['watch', '--listen', 'off', '--state', ':memory:', '--webhook-listen', value], API);
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n')).toEqual([
      `${NAME}: --webhook-listen: must be HOST:PORT (got '${value}') (from the command line)`,
    ]);
  });

  it('exits 2 naming watch.webhook_listen, its file and line, for a bad value in the config file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'aob-webhook-flags-'));
    const config = join(dir, 'bridge.yaml');
    writeFileSync(config, 'watch:\n  listen: "off"\n  webhook_listen: everywhere\n');
    const result = await runCli(['watch', '--config', config, '--state', ':memory:'], API);
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n')).toEqual([
      `${NAME}: watch.webhook_listen: must be HOST:PORT (got 'everywhere') (from ${config}, line 3)`,
    ]);
  });

  // Only the OpenAI profile takes webhooks (the responses source's handler): on a Foundry project
  // the settings are refused rather than served for nothing, before the state file is touched.
  it.each([
    ['--webhook-listen', '127.0.0.1:0'],
    ['--webhook-secret-file', '/run/secrets/openai-webhook-secret'],
  ])('exits 2 when %s is given on the azure-foundry profile, before the state file is created', async (flag, value) => {
    const state = join(mkdtempSync(join(tmpdir(), 'aob-webhook-flags-')), 'bridge.sqlite');
    const result = await runCli(
      ['watch', '--provider', 'azure-foundry', '--listen', 'off', '--log-level', 'warn', '--state', state, flag, value],
      { AZURE_AI_PROJECT_ENDPOINT: 'http://127.0.0.1:9/api/projects/p', ASSISTANTS_OTEL_BRIDGE_API_TOKEN: 'unused' },
    );
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n')).toEqual([
      `${NAME}: ${flag}: no source takes webhooks in this configuration; drop it (from the command line)`,
    ]);
    expect(existsSync(state)).toBe(false);
  });

  it('exits 2 naming OPENAI_WEBHOOK_SECRET when --webhook-listen is given on the openai profile with no secret', async () => {
    const result = await runCli(
      ['watch', '--listen', 'off', '--log-level', 'warn', '--state', ':memory:', '--webhook-listen', '127.0.0.1:0'],
      API,
    );
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n')).toEqual([
      `${NAME}: OPENAI_WEBHOOK_SECRET: must be set, or a secret file given (--webhook-secret-file, watch.webhook_secret_file), to verify the webhooks on /v1/webhooks/openai`,
    ]);
  });

  it('serves /v1/webhooks/openai on the openai profile; with nothing tracked --exit-when-idle exits 0 (deliveries missed are retried by the sender)', async () => {
    const secret = join(mkdtempSync(join(tmpdir(), 'aob-webhook-flags-')), 'secret');
    writeFileSync(secret, `whsec_${Buffer.from('a test secret of thirty-two bytes').toString('base64')}\n`);
    const result = await runCli(
      [
        'watch',
        '--listen',
        'off',
        '--log-format',
        'json',
        '--state',
        ':memory:',
        '--webhook-listen',
        '127.0.0.1:0',
        '--webhook-secret-file',
        secret,
        '--exit-when-idle',
      ],
      API,
    );
    expect(result.code, result.stderr).toBe(0);
    const watching = result.stderr.split('\n').find((l) => l.includes('"msg":"watching"'));
    expect(JSON.parse(watching ?? '{}')).toMatchObject({ webhooks: ['/v1/webhooks/openai'] });
  });
});
