// The webhook settings: --webhook-listen / watch.webhook_listen and --webhook-secret-file /
// watch.webhook_secret_file, each kept with where it was given, so a later error names it.
import { describe, expect, it } from 'vitest';
import { configErrorOf, configFile, resolve } from './helpers.js';

describe('webhook settings', () => {
  it('are absent by default: the routes on --listen, the secrets from the environment', () => {
    const { watch } = resolve();
    expect([watch.webhookListen, watch.webhookSecretFile]).toEqual([undefined, undefined]);
  });

  it('come from the flags', () => {
    const { watch } = resolve({ flags: { webhookListen: ' 0.0.0.0:8443 ', webhookSecretFile: '/run/secrets/wh' } });
    expect(watch.webhookListen).toEqual({ value: '0.0.0.0:8443', field: '--webhook-listen', source: 'the command line' });
    expect(watch.webhookSecretFile).toEqual({ value: '/run/secrets/wh', field: '--webhook-secret-file', source: 'the command line' });
  });

  it('come from the config file, the flags winning', () => {
    const path = configFile({ watch: { webhook_listen: '[::]:8443', webhook_secret_file: '/from/file' } });
    const fromFile = resolve({ configPath: path }).watch;
    expect(fromFile.webhookListen).toEqual({ value: '[::]:8443', field: 'watch.webhook_listen', source: path });
    expect(fromFile.webhookSecretFile).toEqual({ value: '/from/file', field: 'watch.webhook_secret_file', source: path });
    const both = resolve({ configPath: path, flags: { webhookListen: '127.0.0.1:9000' } }).watch;
    expect(both.webhookListen?.value).toBe('127.0.0.1:9000');
    expect(both.webhookSecretFile?.field).toBe('watch.webhook_secret_file');
  });

  it.each(['0.0.0.0', 'off', 'localhost:70000', 'http://0.0.0.0:8443'])('refuses --webhook-listen %s naming the flag', (value) => {
    const error = configErrorOf(() => resolve({ flags: { webhookListen: value } }));
    expect(error.message).toBe(`--webhook-listen: must be HOST:PORT (got '${value}') (from the command line)`);
  });

  it.each<[string, Record<string, unknown>, RegExp]>([
    ['watch.webhook_listen', { webhook_listen: 'off' }, /must be HOST:PORT \(got 'off'\)/],
    ['watch.webhook_listen', { webhook_listen: 8443 }, /must be a string/],
    ['watch.webhook_secret_file', { webhook_secret_file: '' }, /must not be empty/],
  ])('refuses a bad %s in the config file, naming the key, its file and line', (field, watch, reason) => {
    const path = configFile({ watch });
    const error = configErrorOf(() => resolve({ configPath: path }));
    expect([error.field, error.source, error.line]).toEqual([field, path, 2]);
    expect(error.reason).toMatch(reason);
  });
});
