// The OTLP exporter settings: endpoint, protocol, headers and exporter choice.
import { describe, expect, it } from 'vitest';
import { resolve } from './helpers.js';

describe('traces endpoint', () => {
  it.each([
    ['a path', 'http://collector:4318/custom/traces', 'http://collector:4318/custom/traces'],
    ['the standard path', 'https://collector.example/v1/traces', 'https://collector.example/v1/traces'],
    ['no path', 'http://collector:4318', 'http://collector:4318/'],
  ])('uses OTEL_EXPORTER_OTLP_TRACES_ENDPOINT with %s as is', (_label, value, expected) => {
    const { traces } = resolve({ env: { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: value } });
    expect(traces.endpoint).toBe(expected);
    expect(traces.exporter).toBe('otlp');
  });

  it.each([
    ['host and port', 'http://collector:4318', 'http://collector:4318/v1/traces'],
    ['a trailing slash', 'http://collector:4318/', 'http://collector:4318/v1/traces'],
    ['a path', 'https://gateway.example/otlp', 'https://gateway.example/otlp/v1/traces'],
    ['a path and trailing slash', 'https://gateway.example/otlp/', 'https://gateway.example/otlp/v1/traces'],
  ])('appends /v1/traces to OTEL_EXPORTER_OTLP_ENDPOINT with %s', (_label, value, expected) => {
    expect(resolve({ env: { OTEL_EXPORTER_OTLP_ENDPOINT: value } }).traces.endpoint).toBe(expected);
  });

  it.each([
    ['OTEL_EXPORTER_OTLP_PROTOCOL', { OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' }],
    ['OTEL_EXPORTER_OTLP_TRACES_PROTOCOL', { OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'grpc' }],
  ])('appends nothing for grpc (set by %s)', (_label, protocol) => {
    const { traces } = resolve({ env: { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4317', ...protocol } });
    expect(traces.protocol).toBe('grpc');
    expect(traces.endpoint).toBe('http://collector:4317/');
  });

  it('appends /v1/traces for http/json too', () => {
    const { traces } = resolve({ env: { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' } });
    expect(traces.endpoint).toBe('http://collector:4318/v1/traces');
  });

  it('prefers the traces endpoint over the generic one in the environment', () => {
    const { traces } = resolve({
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://generic:4318', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://specific:4318/traces' },
    });
    expect(traces.endpoint).toBe('http://specific:4318/traces');
  });

  it('prefers the traces protocol over the generic one', () => {
    const env = { OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc', OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/json' };
    expect(resolve({ env }).traces.protocol).toBe('http/json');
  });

  it('prefers traces_endpoint over endpoint within the config file', () => {
    const { traces } = resolve({ file: { otlp: { endpoint: 'http://generic:4318', traces_endpoint: 'http://specific:4318/x' } } });
    expect(traces.endpoint).toBe('http://specific:4318/x');
  });

  it('lets a generic endpoint in a higher layer beat a traces endpoint in a lower one', () => {
    const { traces } = resolve({
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://env:4318' },
      file: { otlp: { traces_endpoint: 'http://file:4318/x' } },
    });
    expect(traces.endpoint).toBe('http://env:4318/v1/traces');
  });

  it('appends for the protocol that wins, even when another layer set it', () => {
    const { traces } = resolve({ flags: { otlpProtocol: 'grpc' }, file: { otlp: { endpoint: 'http://file:4317' } } });
    expect(traces.endpoint).toBe('http://file:4317/');
  });

  it('appends /v1/traces to the --otlp-endpoint flag and ranks it above the environment', () => {
    const { traces } = resolve({
      flags: { otlpEndpoint: 'http://flag:4318' },
      env: { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://env:4318/v1/traces' },
    });
    expect(traces.endpoint).toBe('http://flag:4318/v1/traces');
  });

  it('ignores empty variables', () => {
    const { traces } = resolve({ env: { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: '  ', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' } });
    expect(traces.endpoint).toBe('http://collector:4318/v1/traces');
  });
});

describe('exporter choice', () => {
  it('prints spans to the console when nothing names an endpoint or an exporter', () => {
    expect(resolve().traces).toMatchObject({ exporter: 'console', endpoint: null });
  });

  it.each([
    ['http/protobuf', {}, 'http://localhost:4318/v1/traces'],
    ['grpc', { OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' }, 'http://localhost:4317'],
  ])('sends to the localhost default (%s) when otlp is chosen explicitly', (_label, env, endpoint) => {
    expect(resolve({ env: { OTEL_TRACES_EXPORTER: 'otlp', ...env } }).traces).toMatchObject({ exporter: 'otlp', endpoint });
  });

  it('sends to the localhost default when the config file chooses otlp', () => {
    expect(resolve({ file: { otlp: { exporter: 'otlp' } } }).traces).toMatchObject({
      exporter: 'otlp',
      endpoint: 'http://localhost:4318/v1/traces',
    });
  });

  it('exports over OTLP once any layer names an endpoint', () => {
    expect(resolve({ file: { otlp: { endpoint: 'http://c:4318' } } }).traces.exporter).toBe('otlp');
  });

  it.each([
    ['console', 'console'],
    ['none', 'none'],
    ['OTLP', 'otlp'],
    [' console , otlp', 'console'],
  ])('reads OTEL_TRACES_EXPORTER=%j as %s', (value, exporter) => {
    expect(resolve({ env: { OTEL_TRACES_EXPORTER: value } }).traces.exporter).toBe(exporter);
  });

  it('keeps an explicit console exporter even with an endpoint set', () => {
    const { traces } = resolve({ env: { OTEL_TRACES_EXPORTER: 'console', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318' } });
    expect(traces.exporter).toBe('console');
  });

  it('exports nothing when OTEL_SDK_DISABLED is true', () => {
    expect(resolve({ env: { OTEL_SDK_DISABLED: 'true', OTEL_TRACES_EXPORTER: 'otlp' } }).traces.exporter).toBe('none');
    expect(resolve({ env: { OTEL_SDK_DISABLED: 'false', OTEL_TRACES_EXPORTER: 'otlp' } }).traces.exporter).toBe('otlp');
  });

  it('lets the environment override the exporter in the config file', () => {
    expect(resolve({ env: { OTEL_TRACES_EXPORTER: 'none' }, file: { otlp: { exporter: 'console' } } }).traces.exporter).toBe('none');
  });
});

describe('headers', () => {
  it('parses key=value pairs, percent-decoding keys and values and trimming around them', () => {
    const { traces } = resolve({
      env: {
        OTEL_EXPORTER_OTLP_HEADERS: ' api-key = secret%20value ,x-tenant=acme%2Cinc,, authorization=Basic%20dXNlcjpwYXNz== ,x%2Dencoded=1',
      },
    });
    expect(traces.headers).toEqual({
      'api-key': 'secret value',
      'x-tenant': 'acme,inc',
      authorization: 'Basic dXNlcjpwYXNz==',
      'x-encoded': '1',
    });
  });

  it('lets OTEL_EXPORTER_OTLP_TRACES_HEADERS override the generic headers key by key', () => {
    const { traces } = resolve({
      env: { OTEL_EXPORTER_OTLP_HEADERS: 'api-key=generic,x-tenant=acme', OTEL_EXPORTER_OTLP_TRACES_HEADERS: 'api-key=traces,x-extra=1' },
    });
    expect(traces.headers).toEqual({ 'api-key': 'traces', 'x-tenant': 'acme', 'x-extra': '1' });
  });

  it('keeps an empty value', () => {
    expect(resolve({ env: { OTEL_EXPORTER_OTLP_HEADERS: 'x-empty=' } }).traces.headers).toEqual({ 'x-empty': '' });
  });

  it('reads headers from the config file, numbers and booleans as strings', () => {
    const { traces } = resolve({ file: { otlp: { headers: { authorization: 'Bearer abc', 'x-shard': 3, 'x-debug': true } } } });
    expect(traces.headers).toEqual({ authorization: 'Bearer abc', 'x-shard': '3', 'x-debug': 'true' });
  });

  it('takes headers from the environment over the config file', () => {
    const { traces } = resolve({
      env: { OTEL_EXPORTER_OTLP_HEADERS: 'authorization=from-env' },
      file: { otlp: { headers: { authorization: 'from-file' } } },
    });
    expect(traces.headers.authorization).toBe('from-env');
  });

  it('has no headers by default', () => {
    expect(resolve().traces.headers).toEqual({});
  });
});

describe('other exporter settings', () => {
  it('reads compression, timeout, certificates and insecure, traces-specific first', () => {
    const { traces } = resolve({
      env: {
        OTEL_EXPORTER_OTLP_COMPRESSION: 'none',
        OTEL_EXPORTER_OTLP_TRACES_COMPRESSION: 'gzip',
        OTEL_EXPORTER_OTLP_TIMEOUT: '1000',
        OTEL_EXPORTER_OTLP_TRACES_TIMEOUT: '2500',
        OTEL_EXPORTER_OTLP_CERTIFICATE: '/generic/ca.pem',
        OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE: '/traces/ca.pem',
        OTEL_EXPORTER_OTLP_CLIENT_KEY: '/k.pem',
        OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE: '/c.pem',
        OTEL_EXPORTER_OTLP_INSECURE: 'true',
      },
    });
    expect(traces).toMatchObject({
      compression: 'gzip',
      timeoutMs: 2500,
      certificateFile: '/traces/ca.pem',
      clientKeyFile: '/k.pem',
      clientCertificateFile: '/c.pem',
      insecure: true,
    });
  });
});
