// Resolving a configuration from flags, an environment and a config file written to a temp dir.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify as toYaml } from 'yaml';
import { afterAll } from 'vitest';
import { flagsLayer, type WatchFlags } from '../../src/cli/options.js';
import { ConfigError } from '../../src/config/config-error.js';
import { resolveConfig } from '../../src/config/resolve.js';
import type { BridgeConfig } from '../../src/config/types.js';

export type Env = Record<string, string | undefined>;

let dir: string | undefined;
let counter = 0;

/** Writes `content` (an object, written as YAML or JSON by the extension, or raw text) to a fresh temp file. */
export function configFile(content: unknown, ext: 'yaml' | 'yml' | 'json' = 'yaml'): string {
  dir ??= mkdtempSync(join(tmpdir(), 'bridge-config-test-'));
  counter += 1;
  const path = join(dir, `config-${counter}.${ext}`);
  const text = typeof content === 'string' ? content : ext === 'json' ? JSON.stringify(content, null, 2) : toYaml(content);
  writeFileSync(path, text);
  return path;
}

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

export interface Sources {
  flags?: WatchFlags;
  env?: Env;
  /** A config file's content, written to a temp file (see configFile). */
  file?: unknown;
  fileExt?: 'yaml' | 'yml' | 'json';
  /** A config file path as given, instead of `file`. */
  configPath?: string;
}

export function resolve({ flags = {}, env = {}, file, fileExt, configPath }: Sources = {}): BridgeConfig {
  const path = configPath ?? (file === undefined ? undefined : configFile(file, fileExt));
  return resolveConfig({ flags: flagsLayer(flags), env, configFile: path });
}

/** The ConfigError `fn` throws; fails the test when it throws nothing or something else. */
export function configErrorOf(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError, got none');
}
