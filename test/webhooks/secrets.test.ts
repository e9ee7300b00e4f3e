// Webhook secrets from the environment or a file: one, or two while one rotates; anything else a
// one-line ConfigError naming the setting, never the secret.
import { writeFileSync } from 'node:fs';
import nodePath from 'node:path';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import {
  loadWebhookSecrets,
  secretProblem,
  webhookSecretsFromEnv,
  WebhookSecrets,
  type WebhookSecretSource,
} from '../../src/webhooks/secrets.js';
import { configErrorOf } from '../config/helpers.js';
import { tempDir } from '../state/helpers.js';
import { PREVIOUS_SECRET, SECRET } from './helpers.js';

function file(text: string): WebhookSecretSource {
  const path = nodePath.join(tempDir(), 'webhook-secret');
  writeFileSync(path, text);
  return { from: 'file', path, field: '--webhook-secret-file' };
}

describe('from the environment', () => {
  it('reads OPENAI_WEBHOOK_SECRET, and OPENAI_WEBHOOK_SECRET_PREVIOUS beside it', () => {
    expect(webhookSecretsFromEnv({})).toBeUndefined();
    expect(webhookSecretsFromEnv({ OPENAI_WEBHOOK_SECRET: '  ' })).toBeUndefined();
    const one = loadWebhookSecrets(webhookSecretsFromEnv({ OPENAI_WEBHOOK_SECRET: `${SECRET}\n` })!);
    expect(one.values()).toEqual([SECRET]);
    const two = loadWebhookSecrets(
      webhookSecretsFromEnv({ OPENAI_WEBHOOK_SECRET: SECRET, OPENAI_WEBHOOK_SECRET_PREVIOUS: PREVIOUS_SECRET })!,
    );
    expect(two.values()).toEqual([SECRET, PREVIOUS_SECRET]);
  });

  it('refuses the previous secret alone, naming the current one', () => {
    const error = configErrorOf(() => webhookSecretsFromEnv({ OPENAI_WEBHOOK_SECRET_PREVIOUS: PREVIOUS_SECRET }));
    expect(error.field).toBe('OPENAI_WEBHOOK_SECRET');
    expect(error.exitCode).toBe(2);
    expect(error.message).not.toContain(PREVIOUS_SECRET);
  });

  it('refuses a malformed secret, naming its variable and not its value', () => {
    const bad = 'whsec_not*base64!';
    const error = configErrorOf(() =>
      loadWebhookSecrets(webhookSecretsFromEnv({ OPENAI_WEBHOOK_SECRET: SECRET, OPENAI_WEBHOOK_SECRET_PREVIOUS: bad })!),
    );
    expect(error.field).toBe('OPENAI_WEBHOOK_SECRET_PREVIOUS');
    expect(error.message).toMatch(/^OPENAI_WEBHOOK_SECRET_PREVIOUS: a 'whsec_' secret must be base64/);
    expect(error.message).not.toContain('not*base64');
  });
});

describe('from a file', () => {
  it('takes one secret, or two while one rotates, ignoring blank lines', () => {
    expect(loadWebhookSecrets(file(`${SECRET}\n`)).values()).toEqual([SECRET]);
    expect(loadWebhookSecrets(file(`\n${SECRET}\r\n\n${PREVIOUS_SECRET}\n`)).values()).toEqual([SECRET, PREVIOUS_SECRET]);
  });

  it.each([
    ['empty', '\n\n', /is empty/],
    ['three secrets', `${SECRET}\n${PREVIOUS_SECRET}\n${SECRET}\n`, /holds 3 lines; it holds one secret, or two while one rotates/],
    [
      'a short whsec_ secret',
      `${SECRET}\nwhsec_${Buffer.from('short').toString('base64')}\n`,
      /^--webhook-secret-file: line 2 of the webhook secret file .*: a 'whsec_' secret must hold 24 to 64 bytes \(got 5\)$/,
    ],
    ['two secrets on a line', `${SECRET} ${PREVIOUS_SECRET}\n`, /line 1 .*one secret without spaces/],
  ])('refuses a file that is %s, naming the setting', (_what, text, message) => {
    const error = configErrorOf(() => loadWebhookSecrets(file(text)));
    expect(error.field).toBe('--webhook-secret-file');
    expect(error.message).toMatch(message);
    expect(error.message).not.toContain(SECRET);
    expect(error.message).not.toContain(PREVIOUS_SECRET);
  });

  it('refuses a file it cannot read, with the config file that named it', () => {
    const source: WebhookSecretSource = {
      from: 'file',
      path: nodePath.join(tempDir(), 'missing'),
      field: 'watch.webhook_secret_file',
      source: 'bridge.yaml',
    };
    const error = configErrorOf(() => loadWebhookSecrets(source));
    expect(error.message).toMatch(
      /^watch\.webhook_secret_file: cannot read the webhook secret file .*missing \(ENOENT\) \(from bridge\.yaml\)$/,
    );
  });
});

describe('the secrets object', () => {
  it('shows its count, never a secret, wherever it is printed', () => {
    const secrets = new WebhookSecrets([SECRET, PREVIOUS_SECRET]);
    for (const text of [JSON.stringify({ secrets }), inspect({ secrets }), String(Object.keys(secrets))]) {
      expect(text).not.toContain(SECRET.slice(6));
      expect(text).not.toContain(PREVIOUS_SECRET.slice(6));
    }
    expect(JSON.stringify({ secrets })).toBe('{"secrets":{"count":2}}');
  });

  it('accepts plain secrets as the SDK does, and judges whsec_ ones by their bytes', () => {
    expect(secretProblem('a-plain-shared-secret')).toBeNull();
    expect(secretProblem(SECRET)).toBeNull();
    expect(secretProblem(`whsec_${Buffer.alloc(65).toString('base64')}`)).toMatch(/24 to 64 bytes \(got 65\)/);
    expect(secretProblem('')).toMatch(/empty/);
    expect(() => new WebhookSecrets([])).toThrow(RangeError);
    expect(() => new WebhookSecrets([SECRET, SECRET, SECRET])).toThrow(RangeError);
  });
});
