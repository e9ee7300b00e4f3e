import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { settingFlag } from '../../src/cli/options.js';
import { ConfigError } from '../../src/config/config-error.js';
import { bearerToken, controlAccess, isLoopbackHostHeader, loadControlToken, tokenMatches } from '../../src/control/auth.js';
import { describeListenError, formatAddress, isLoopbackHost, parseListenAddress } from '../../src/control/listen-address.js';

describe('loopback', () => {
  it.each(['127.0.0.1', '127.1.2.3', '::1', '[::1]', '0:0:0:0:0:0:0:1', '::ffff:127.0.0.1', 'localhost', 'LOCALHOST', 'api.localhost'])(
    '%s is loopback',
    (host) => {
      expect(isLoopbackHost(host)).toBe(true);
    },
  );

  it.each(['0.0.0.0', '::', '10.0.0.1', '128.0.0.1', '::2', 'example.com', 'localhost.example.com', '', '[::]'])(
    '%s is not loopback',
    (host) => {
      expect(isLoopbackHost(host)).toBe(false);
    },
  );

  it('decides access from the address and the token', () => {
    expect(controlAccess('127.0.0.1', null)).toBe('open');
    expect(controlAccess('localhost', 't')).toBe('token');
    expect(controlAccess('0.0.0.0', null)).toBe('disabled');
    expect(controlAccess('0.0.0.0', 't')).toBe('token');
    expect(controlAccess('bridge.internal', null)).toBe('disabled');
  });

  it('reads Host headers with and without a port', () => {
    expect(isLoopbackHostHeader('127.0.0.1:9464')).toBe(true);
    expect(isLoopbackHostHeader('localhost')).toBe(true);
    expect(isLoopbackHostHeader('[::1]:9464')).toBe(true);
    expect(isLoopbackHostHeader('evil.example:9464')).toBe(false);
    expect(isLoopbackHostHeader('127.0.0.1.evil.example')).toBe(false);
    expect(isLoopbackHostHeader(undefined)).toBe(false);
  });
});

describe('tokens', () => {
  it('matches only the exact token', () => {
    expect(tokenMatches('abc', 'abc')).toBe(true);
    expect(tokenMatches('abc', 'abd')).toBe(false);
    expect(tokenMatches('abc', 'abcd')).toBe(false);
    expect(tokenMatches('abc', '')).toBe(false);
  });

  it('reads the bearer token of an Authorization header', () => {
    expect(bearerToken('Bearer abc')).toBe('abc');
    expect(bearerToken('bearer   abc  ')).toBe('abc');
    expect(bearerToken('Basic abc')).toBeNull();
    expect(bearerToken('Bearer')).toBeNull();
    expect(bearerToken('Bearer a b')).toBeNull();
    expect(bearerToken(undefined)).toBeNull();
  });

  it('loads a token from a file without its trailing newline', () => {
    const dir = mkdtempSync(join(tmpdir(), 'aob-token-'));
    const file = join(dir, 'token');
    writeFileSync(file, 'file-token-1\n');
    expect(loadControlToken({ from: 'file', path: file, field: '--control-token-file', source: 'the command line' })).toBe('file-token-1');
    expect(loadControlToken({ from: 'env', variable: 'ASSISTANTS_OTEL_BRIDGE_CONTROL_TOKEN', value: 'env-token' })).toBe('env-token');
    expect(loadControlToken(undefined)).toBeNull();
  });

  it.each([
    ['a missing file', null, /cannot read the control token file .* \(ENOENT\)/],
    ['an empty file', '\n', /is empty/],
    ['two tokens', 'one two\n', /one token/],
  ])('refuses %s as a usage error naming the setting', (_label, content, message) => {
    const dir = mkdtempSync(join(tmpdir(), 'aob-token-'));
    const file = join(dir, 'token');
    if (content !== null) writeFileSync(file, content);
    let error: unknown;
    try {
      loadControlToken({ from: 'file', path: file, field: 'watch.control_token_file', source: 'bridge.yaml' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).field).toBe('watch.control_token_file');
    expect((error as ConfigError).message).toMatch(message);
    expect((error as ConfigError).message).toContain('(from bridge.yaml)');
  });

  it('refuses an environment token with spaces without echoing it', () => {
    expect(() => loadControlToken({ from: 'env', variable: 'ASSISTANTS_OTEL_BRIDGE_CONTROL_TOKEN', value: 'half secret' })).toThrow(
      /^ASSISTANTS_OTEL_BRIDGE_CONTROL_TOKEN: must be one token without spaces$/,
    );
  });
});

describe('listen address', () => {
  it('splits and formats IPv4, IPv6 and names', () => {
    expect(parseListenAddress('127.0.0.1:9464')).toEqual({ host: '127.0.0.1', port: 9464 });
    expect(parseListenAddress('[::1]:0')).toEqual({ host: '::1', port: 0 });
    expect(parseListenAddress('localhost:80')).toEqual({ host: 'localhost', port: 80 });
    expect(() => parseListenAddress('127.0.0.1')).toThrow(RangeError);
    expect(formatAddress('::1', 9464)).toBe('[::1]:9464');
    expect(formatAddress('127.0.0.1', 9464)).toBe('127.0.0.1:9464');
  });

  it('says each listen error in one line with the way out', () => {
    const err = (code: string): NodeJS.ErrnoException => Object.assign(new Error(code), { code });
    expect(describeListenError('127.0.0.1:9464', err('EADDRINUSE'), settingFlag)).toBe(
      '--listen 127.0.0.1:9464: address already in use; choose another with --listen or use --listen off',
    );
    expect(describeListenError('127.0.0.1:9464', err('EADDRINUSE'))).toBe(
      'listen address 127.0.0.1:9464: address already in use; choose another address or turn listening off',
    );
    expect(describeListenError('0.0.0.0:80', err('EACCES'), settingFlag)).toMatch(/^--listen 0\.0\.0\.0:80: permission denied/);
    expect(describeListenError('10.9.9.9:9464', err('EADDRNOTAVAIL'))).toMatch(/no such address/);
    expect(describeListenError('nohost.invalid:9464', err('ENOTFOUND'))).toMatch(/host name not found/);
    for (const line of ['EADDRINUSE', 'EACCES', 'EWHATEVER'].map((c) => describeListenError('h:1', err(c))))
      expect(line).not.toContain('\n');
  });
});
