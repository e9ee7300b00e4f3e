// Resource naming, content capture and attribute limits from the environment and the file.
import { describe, expect, it } from 'vitest';
import { assistantResource, bridgeResource } from '../../src/sink/resource.js';
import { resolve } from './helpers.js';

describe('service names', () => {
  it('lets OTEL_SERVICE_NAME name the bridge while bridged spans keep the assistant service', () => {
    const { resource } = resolve({ env: { OTEL_SERVICE_NAME: 'bridge-prod' } });
    expect(resource).toMatchObject({ bridgeServiceName: 'bridge-prod', assistantServiceName: 'openai-assistants' });
    expect(bridgeResource(resource).attributes['service.name']).toBe('bridge-prod');
    expect(assistantResource(resource).attributes['service.name']).toBe('openai-assistants');
  });

  it('keeps a configured assistant service name when OTEL_SERVICE_NAME is set', () => {
    const { resource } = resolve({ env: { OTEL_SERVICE_NAME: 'bridge-prod' }, file: { service: { name: 'support-assistants' } } });
    expect(resource).toMatchObject({ bridgeServiceName: 'bridge-prod', assistantServiceName: 'support-assistants' });
  });

  it('names the assistant service with --service-name, leaving the bridge name alone', () => {
    const { resource } = resolve({ flags: { serviceName: 'flag-assistants' } });
    expect(resource).toMatchObject({ bridgeServiceName: 'assistants-otel-bridge', assistantServiceName: 'flag-assistants' });
  });
});

describe('OTEL_RESOURCE_ATTRIBUTES', () => {
  it('parses percent-encoded key=value pairs', () => {
    const { resource } = resolve({
      env: { OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment.name=prod, team=ai%20platform,region=eu%2Cwest' },
    });
    expect(resource.attributes).toEqual({ 'deployment.environment.name': 'prod', team: 'ai platform', region: 'eu,west' });
  });

  it('merges with the config file key by key, the environment winning', () => {
    const { resource } = resolve({
      env: { OTEL_RESOURCE_ATTRIBUTES: 'team=env-team,region=eu' },
      file: { service: { resource_attributes: { team: 'file-team', cost_center: 42 } } },
    });
    expect(resource.attributes).toEqual({ team: 'env-team', region: 'eu', cost_center: '42' });
  });

  it('applies to both resources without overriding their service.name', () => {
    const { resource } = resolve({ env: { OTEL_RESOURCE_ATTRIBUTES: 'service.name=ignored,team=t', OTEL_SERVICE_NAME: 'bridge-x' } });
    expect(assistantResource(resource).attributes).toMatchObject({ team: 't', 'service.name': 'openai-assistants' });
    expect(bridgeResource(resource).attributes).toMatchObject({ team: 't', 'service.name': 'bridge-x' });
  });

  it('is empty by default', () => {
    expect(resolve().resource.attributes).toEqual({});
  });
});

describe('content capture', () => {
  it.each([
    ['true', true],
    ['TRUE', true],
    ['1', true],
    ['false', false],
    ['False', false],
    ['0', false],
  ])('reads OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=%s as %s', (value, capture) => {
    expect(resolve({ env: { OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: value } }).content.capture).toBe(capture);
  });

  it('is off by default', () => {
    expect(resolve().content).toEqual({ capture: false, maxLength: 2048 });
  });

  it('is on with --capture-content, even when the file turns it off', () => {
    expect(resolve({ flags: { captureContent: true }, file: { content: { capture: false } } }).content.capture).toBe(true);
  });

  it('reads the maximum length from the file and the flag', () => {
    expect(resolve({ file: { content: { capture: true, max_length: 100 } } }).content).toEqual({ capture: true, maxLength: 100 });
    expect(resolve({ flags: { contentMaxLength: '50' }, file: { content: { max_length: 100 } } }).content.maxLength).toBe(50);
  });
});

describe('attribute limits', () => {
  it('reads the generic limit variables', () => {
    const { limits } = resolve({ env: { OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT: '1024', OTEL_ATTRIBUTE_COUNT_LIMIT: '64' } });
    expect(limits).toEqual({ attributeValueLengthLimit: 1024, attributeCountLimit: 64 });
  });

  it('prefers the span-specific variables', () => {
    const { limits } = resolve({
      env: {
        OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT: '1024',
        OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT: '512',
        OTEL_ATTRIBUTE_COUNT_LIMIT: '64',
        OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT: '32',
      },
    });
    expect(limits).toEqual({ attributeValueLengthLimit: 512, attributeCountLimit: 32 });
  });

  it('reads limits from the file, the environment winning field by field', () => {
    const { limits } = resolve({
      env: { OTEL_ATTRIBUTE_COUNT_LIMIT: '16' },
      file: { limits: { attribute_value_length: 256, attribute_count: 8 } },
    });
    expect(limits).toEqual({ attributeValueLengthLimit: 256, attributeCountLimit: 16 });
  });

  it('defaults to 8192 characters and 128 attributes', () => {
    expect(resolve().limits).toEqual({ attributeValueLengthLimit: 8192, attributeCountLimit: 128 });
  });
});

describe('api settings from the environment', () => {
  it('reads the openai SDK variables', () => {
    const { api } = resolve({
      env: {
        OPENAI_API_KEY: ' sk-test ',
        OPENAI_ORG_ID: 'org_1',
        OPENAI_PROJECT_ID: 'proj_1',
        OPENAI_BASE_URL: 'http://127.0.0.1:4010/v1',
      },
    });
    expect(api).toMatchObject({ apiKey: 'sk-test', organization: 'org_1', project: 'proj_1', baseURL: 'http://127.0.0.1:4010/v1' });
  });

  it('reads the key from the variable the config file names', () => {
    const { api } = resolve({ env: { AZURE_AGENTS_KEY: 'azure-key' }, file: { api: { api_key_env: 'AZURE_AGENTS_KEY' } } });
    expect(api.apiKey).toBe('azure-key');
  });
});
