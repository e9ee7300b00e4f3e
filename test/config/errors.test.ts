// Bad values fail with a ConfigError naming the field and where the value came from.
import { describe, expect, it } from 'vitest';
import type { WatchFlags } from '../../src/cli/options.js';
import { ConfigError, ConfigProblems } from '../../src/config/config-error.js';
import { configErrorOf, configFile, resolve, type Env } from './helpers.js';

/** The ConfigProblems `fn` throws; any other outcome fails the test. */
function problemsOf(fn: () => unknown): ConfigProblems {
  const error = configErrorOf(fn);
  if (!(error instanceof ConfigProblems)) throw new Error(`expected ConfigProblems, got ${error.name}: ${error.message}`);
  return error;
}

describe('bad environment variables', () => {
  it.each<[string, Env, string]>([
    ['OTEL_EXPORTER_OTLP_PROTOCOL', { OTEL_EXPORTER_OTLP_PROTOCOL: 'thrift' }, 'otlp.protocol'],
    ['OTEL_EXPORTER_OTLP_TRACES_PROTOCOL', { OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http' }, 'otlp.protocol'],
    ['OTEL_EXPORTER_OTLP_ENDPOINT', { OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' }, 'otlp.endpoint'],
    ['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'not a url' }, 'otlp.traces_endpoint'],
    ['OTEL_EXPORTER_OTLP_HEADERS', { OTEL_EXPORTER_OTLP_HEADERS: 'api-key' }, 'otlp.headers'],
    ['OTEL_EXPORTER_OTLP_TRACES_HEADERS', { OTEL_EXPORTER_OTLP_TRACES_HEADERS: 'api-key=%zz' }, 'otlp.headers'],
    ['OTEL_EXPORTER_OTLP_COMPRESSION', { OTEL_EXPORTER_OTLP_COMPRESSION: 'brotli' }, 'otlp.compression'],
    ['OTEL_EXPORTER_OTLP_TIMEOUT', { OTEL_EXPORTER_OTLP_TIMEOUT: '-5' }, 'otlp.timeout_ms'],
    ['OTEL_EXPORTER_OTLP_TRACES_TIMEOUT', { OTEL_EXPORTER_OTLP_TRACES_TIMEOUT: '10s' }, 'otlp.timeout_ms'],
    ['OTEL_EXPORTER_OTLP_INSECURE', { OTEL_EXPORTER_OTLP_INSECURE: 'maybe' }, 'otlp.insecure'],
    ['OTEL_TRACES_EXPORTER', { OTEL_TRACES_EXPORTER: 'zipkin' }, 'otlp.exporter'],
    ['OTEL_SDK_DISABLED', { OTEL_SDK_DISABLED: 'sometimes' }, 'otlp.exporter'],
    ['OTEL_RESOURCE_ATTRIBUTES', { OTEL_RESOURCE_ATTRIBUTES: '=value' }, 'service.resource_attributes'],
    [
      'OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT',
      { OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: 'yes please' },
      'content.capture',
    ],
    ['OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT', { OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT: '0' }, 'limits.attribute_value_length'],
    ['OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT', { OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT: 'many' }, 'limits.attribute_count'],
    ['OPENAI_BASE_URL', { OPENAI_BASE_URL: 'ftp://api.example.com' }, 'api.base_url'],
  ])('%s', (variable, env, field) => {
    const error = configErrorOf(() => resolve({ env }));
    expect(error.field).toBe(field);
    expect(error.source).toBe(variable);
    expect(error.message).toContain(field);
    expect(error.message).toContain(variable);
  });

  it('quotes the bad value so the one-line message says why', () => {
    const error = configErrorOf(() => resolve({ env: { OTEL_EXPORTER_OTLP_PROTOCOL: 'thrift' } }));
    expect(error.message).toBe(
      "otlp.protocol: must be one of http/protobuf, http/json, grpc (got 'thrift') (from OTEL_EXPORTER_OTLP_PROTOCOL)",
    );
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.name).toBe('ConfigError');
  });
});

describe('secrets in bad values', () => {
  it.each([
    ['a header written without =', 'Authorization Bearer sk-secret-123'],
    ['a second entry written without =', 'x-tenant=acme,Authorization Bearer sk-secret-123'],
    ['a value with a bad percent-encoding', 'authorization=Bearer%zzsk-secret-123'],
  ])('never repeats header content in the message: %s', (_label, value) => {
    const error = configErrorOf(() => resolve({ env: { OTEL_EXPORTER_OTLP_HEADERS: value } }));
    expect(error.field).toBe('otlp.headers');
    expect(error.message).not.toContain('sk-secret-123');
  });

  it('says which entry is wrong by position', () => {
    const error = configErrorOf(() => resolve({ env: { OTEL_RESOURCE_ATTRIBUTES: 'team=a,region' } }));
    expect(error.message).toContain('entry 2');
  });
});

describe('bad flags', () => {
  it.each<[string, WatchFlags]>([
    ['--base-url', { baseUrl: 'api.openai.com' }],
    ['--otlp-endpoint', { otlpEndpoint: 'localhost:4318' }],
    ['--otlp-protocol', { otlpProtocol: 'udp' }],
    ['--content-max-length', { contentMaxLength: '0' }],
    ['--log-level', { logLevel: 'verbose' }],
    ['--log-format', { logFormat: 'xml' }],
    ['--run', { run: ['thread_1/run_1', 'run_without_thread'] }],
    ['--thread', { thread: ['thread with spaces'] }],
    ['--rpm', { rpm: 'lots' }],
    ['--rpm', { rpm: '1000000' }],
    ['--listen', { listen: '127.0.0.1' }],
    ['--listen', { listen: 'localhost:70000' }],
    ['--active-interval', { activeInterval: '10' }],
  ])('%s %j', (flag, flags) => {
    const error = configErrorOf(() => resolve({ flags }));
    expect(error.field).toBe(flag);
    expect(error.source).toBe('the command line');
    expect(error.message.startsWith(`${flag}: `)).toBe(true);
  });
});

describe('bad config file values', () => {
  it.each<[string, Record<string, unknown>, string]>([
    ['a zero rpm', { watch: { rpm: 0 } }, 'watch.rpm'],
    ['a string where a number belongs', { otlp: { timeout_ms: '10s' } }, 'otlp.timeout_ms'],
    ['an unknown protocol', { otlp: { protocol: 'thrift' } }, 'otlp.protocol'],
    ['a bad endpoint URL', { otlp: { endpoint: 'collector:4318' } }, 'otlp.endpoint'],
    ['a bad traces endpoint URL', { otlp: { traces_endpoint: 'nope' } }, 'otlp.traces_endpoint'],
    ['a bad base URL', { api: { base_url: 'file:///etc/passwd' } }, 'api.base_url'],
    ['a bad run reference', { watch: { runs: ['thread_1/run_1', 'oops'] } }, 'watch.runs[1]'],
    ['a bad thread id', { watch: { threads: ['a/b'] } }, 'watch.threads[0]'],
    ['a bad listen address', { watch: { listen: 'everywhere' } }, 'watch.listen'],
    ['a missing key variable', { api: { api_key_env: 'NOT_SET_ANYWHERE' } }, 'api.api_key_env'],
    ['a non-boolean capture', { content: { capture: 'yes' } }, 'content.capture'],
    ['a fractional limit', { limits: { attribute_count: 1.5 } }, 'limits.attribute_count'],
    ['a section that is not a map', { otlp: 'http://collector:4318' }, 'otlp'],
    ['an empty provider name', { api: { provider_name: '' } }, 'api.provider_name'],
  ])('names the field and the file for %s', (_label, content, field) => {
    const path = configFile(content);
    const error = configErrorOf(() => resolve({ configPath: path }));
    expect(error.field).toBe(field);
    expect(error.source).toBe(path);
    expect(error.message).toContain(path);
  });

  it('names the path of a JSON file too', () => {
    const path = configFile({ watch: { rpm: -1 } }, 'json');
    const error = configErrorOf(() => resolve({ configPath: path }));
    expect([error.field, error.source]).toEqual(['watch.rpm', path]);
  });
});

describe('unknown config file keys', () => {
  it.each<[Record<string, unknown>, string]>([
    [{ otel: { endpoint: 'http://c:4318' } }, 'otel'],
    [{ otlp: { endpont: 'http://c:4318' } }, 'otlp.endpont'],
    [{ watch: { rpm: 10, rmp: 10 } }, 'watch.rmp'],
    [{ content: { capture: true, max_lenght: 10 } }, 'content.max_lenght'],
    [{ api: { api_key: 'sk-should-not-be-here' } }, 'api.api_key'],
  ])('names the key path of %j', (content, field) => {
    const path = configFile(content);
    const error = configErrorOf(() => resolve({ configPath: path }));
    expect(error.field).toBe(field);
    expect(error.source).toBe(path);
    expect(error.reason).toMatch(/unknown setting/);
  });

  it('never echoes a secret from an unknown key', () => {
    const error = configErrorOf(() => resolve({ file: { api: { api_key: 'sk-should-not-be-here' } } }));
    expect(error.message).not.toContain('sk-should-not-be-here');
  });
});

describe('unreadable or malformed files', () => {
  it('names --config and the path for a missing file', () => {
    const error = configErrorOf(() => resolve({ configPath: '/nonexistent/dir/bridge.yaml' }));
    expect(error.field).toBe('--config');
    expect(error.message).toContain('/nonexistent/dir/bridge.yaml');
    expect(error.message).toContain('ENOENT');
  });

  it.each([
    ['YAML', 'yaml' as const, 'otlp: [unclosed\n  endpoint: x'],
    ['JSON', 'json' as const, '{"otlp": {"endpoint": }'],
  ])('names --config, the path and the format for invalid %s', (format, ext, text) => {
    const path = configFile(text, ext);
    const error = configErrorOf(() => resolve({ configPath: path }));
    expect(error.field).toBe('--config');
    expect(error.message).toContain(path);
    expect(error.message).toContain(`not valid ${format}`);
  });

  it.each([
    ['a list', '- a\n- b\n'],
    ['a scalar', 'just text\n'],
  ])('rejects a file whose top level is %s', (_label, text) => {
    const path = configFile(text);
    const error = configErrorOf(() => resolve({ configPath: path }));
    expect(error.source).toBe(path);
  });
});

describe('a config file with several problems', () => {
  const text = [
    'api:', //                                  1
    '  base_url: api.example.com', //           2
    '  api_key: sk-should-not-be-here', //      3
    'otlp:', //                                 4
    '  protocol: thrift', //                    5
    '  timeout_ms: 10s', //                     6
    '  headers: "authorization=Bearer sk-secret-123"', // 7
    'watch:', //                                8
    '  rpm: 0', //                              9
    '  runs:', //                               10
    '    - thread_1/run_1', //                  11
    '    - oops', //                            12
    '  exit_when_idle: yes please', //          13
    '  state:', //                              14
  ].join('\n');

  it('reports every problem at once, in file order, each with its field, the value given and its line', () => {
    const path = configFile(text);
    const error = problemsOf(() => resolve({ configPath: path }));
    const problems = error.problems.map((p) => [p.field, p.reason, p.source, p.line]);
    expect(problems).toEqual([
      ['api.base_url', "must be an absolute http(s) URL (got 'api.example.com')", path, 2],
      ['api.api_key', 'unknown setting (check the spelling against config/bridge.example.yaml)', path, 3],
      ['otlp.protocol', "must be one of http/protobuf, http/json, grpc (got 'thrift')", path, 5],
      ['otlp.timeout_ms', "must be a whole number >= 1 (got '10s')", path, 6],
      ['otlp.headers', 'must be a map of names to values', path, 7],
      ['watch.rpm', 'must be a whole number >= 1 (got 0)', path, 9],
      ['watch.runs[1]', "must be THREAD_ID/RUN_ID (got 'oops')", path, 12],
      ['watch.exit_when_idle', "must be true or false (got 'yes please')", path, 13],
      ['watch.state', 'must be a string (got nothing)', path, 14],
    ]);
    expect(error.message.split('\n')).toHaveLength(9);
    expect(error.message.split('\n')[0]).toBe(
      `api.base_url: must be an absolute http(s) URL (got 'api.example.com') (from ${path}, line 2)`,
    );
  });

  it('never repeats a secret: not from an unknown key, not from a header value', () => {
    const error = configErrorOf(() => resolve({ configPath: configFile(text) }));
    expect(error.message).not.toContain('sk-should-not-be-here');
    expect(error.message).not.toContain('sk-secret-123');
  });

  it('takes a section whose keys are all commented out as empty', () => {
    const config = resolve({ configPath: configFile('ui:\n  # trace_url: x\nwatch:\n  rpm: 7\n') });
    expect(config.watch.rpm).toBe(7);
  });

  it('counts a missing key variable among the problems', () => {
    const error = problemsOf(() => resolve({ file: { api: { api_key_env: 'NOT_SET_ANYWHERE' }, watch: { rpm: 0 } } }));
    expect(error.problems.map((p) => p.field)).toEqual(['api.api_key_env', 'watch.rpm']);
  });

  it('gives the lines of a JSON file too', () => {
    const path = configFile('{\n  "watch": {\n    "rpm": 0,\n    "state": ""\n  },\n  "log": {"level": "loud"}\n}', 'json');
    const error = problemsOf(() => resolve({ configPath: path }));
    expect(error.problems.map((p) => [p.field, p.line])).toEqual([
      ['watch.rpm', 3],
      ['watch.state', 4],
      ['log.level', 6],
    ]);
  });
});

describe('syntax errors point at the line with the mistake', () => {
  it.each<[string, string, 'yaml' | 'json', string]>([
    [
      'a key indented deeper than the one above (YAML itself names the line above)',
      'watch:\n  rpm: 10\n   state: x\n',
      'yaml',
      'line 3, column 4: not valid YAML: this line is indented deeper than the one above it, which already has a value',
    ],
    [
      'an unclosed quote (YAML itself names the end of the file)',
      'api:\n  base_url: "http://x\nwatch:\n  rpm: 2\n',
      'yaml',
      'line 2, column 13: not valid YAML: this quoted string is never closed',
    ],
    ['a duplicate key', 'watch:\n  rpm: 1\n  rpm: 2\n', 'yaml', 'line 3, column 3: not valid YAML: Map keys must be unique'],
    ['a tab as indentation', 'watch:\n\trpm: 1\n', 'yaml', 'line 2, column 1: not valid YAML: Tabs are not allowed as indentation'],
    [
      'a missing comma in JSON',
      '{\n  "watch": {\n    "rpm": 5\n    "state": "x"\n  }\n}',
      'json',
      "line 3, column 13: not valid JSON: missing ',' or '}' after this value; next comes a string at line 4, column 5",
    ],
  ])('%s', (_label, content, ext, expected) => {
    const path = configFile(content, ext);
    const error = configErrorOf(() => resolve({ configPath: path }));
    expect(error.field).toBe('--config');
    expect(error.message).toBe(`--config: ${path}: ${expected}`);
  });
});
