// Where the control token comes from: flag, environment, config file, in that order.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { flagsLayer } from '../../src/cli/options.js';
import { ConfigError } from '../../src/config/config-error.js';
import { resolveConfig } from '../../src/config/resolve.js';

const TOKEN_ENV = 'ASSISTANTS_OTEL_BRIDGE_CONTROL_TOKEN';

function configFile(text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'aob-control-config-')), 'bridge.yaml');
  writeFileSync(path, text);
  return path;
}

describe('control token configuration', () => {
  it('is absent by default', () => {
    expect(resolveConfig({ flags: flagsLayer({}), env: {} }).watch.controlToken).toBeUndefined();
  });

  it('comes from the environment', () => {
    const config = resolveConfig({ flags: flagsLayer({}), env: { [TOKEN_ENV]: ' tok-1 \n' } });
    expect(config.watch.controlToken).toEqual({ from: 'env', variable: TOKEN_ENV, value: 'tok-1' });
  });

  it('comes from the config file key watch.control_token_file', () => {
    const path = configFile('watch:\n  control_token_file: /run/secrets/bridge-token\n');
    const config = resolveConfig({ flags: flagsLayer({}), env: {}, configFile: path });
    expect(config.watch.controlToken).toEqual({
      from: 'file',
      path: '/run/secrets/bridge-token',
      field: 'watch.control_token_file',
      source: path,
    });
  });

  it('takes the flag over the environment, and the environment over the file', () => {
    const path = configFile('watch:\n  control_token_file: /from/file\n');
    const both = resolveConfig({ flags: flagsLayer({}), env: { [TOKEN_ENV]: 'env-tok' }, configFile: path });
    expect(both.watch.controlToken).toMatchObject({ from: 'env', value: 'env-tok' });
    const all = resolveConfig({ flags: flagsLayer({ controlTokenFile: '/from/flag' }), env: { [TOKEN_ENV]: 'env-tok' }, configFile: path });
    expect(all.watch.controlToken).toEqual({ from: 'file', path: '/from/flag', field: '--control-token-file', source: 'the command line' });
  });

  it('refuses an empty control_token_file in the config file', () => {
    const path = configFile('watch:\n  control_token_file: ""\n');
    expect(() => resolveConfig({ flags: flagsLayer({}), env: {}, configFile: path })).toThrow(ConfigError);
  });
});
