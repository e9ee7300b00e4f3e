// The trace UI link of `trace-id`: flag, environment, config file, in that order, and a bad
// template named with where it came from.
import { describe, expect, it } from 'vitest';
import { traceIdFlagsLayer } from '../../src/cli/options.js';
import { resolveConfig } from '../../src/config/resolve.js';
import { traceUrl, UI_URL_ENV } from '../../src/config/trace-url.js';
import { configErrorOf, configFile, type Env } from './helpers.js';

const JAEGER = 'http://localhost:16686/trace/{trace_id}';
const GRAFANA = 'http://grafana:3000/explore?left=%7B%22queries%22:%5B%7B%22query%22:%22{trace_id}%22%7D%5D%7D';
const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';

const uiOf = (o: { flag?: string; env?: Env; file?: unknown }) =>
  resolveConfig({
    flags: traceIdFlagsLayer({ ...(o.flag ? { uiUrl: o.flag } : {}) }),
    env: o.env ?? {},
    configFile: o.file === undefined ? undefined : configFile(o.file),
  }).ui;

describe('ui.trace_url', () => {
  it('is off by default', () => {
    expect(uiOf({})).toEqual({ traceUrl: null });
  });

  it('takes the flag over the environment over the config file', () => {
    const file = { ui: { trace_url: 'https://file.example/trace/{trace_id}' } };
    const env = { [UI_URL_ENV]: 'https://env.example/trace/{trace_id}' };
    expect(uiOf({ file }).traceUrl).toBe('https://file.example/trace/{trace_id}');
    expect(uiOf({ file, env }).traceUrl).toBe('https://env.example/trace/{trace_id}');
    expect(uiOf({ file, env, flag: JAEGER }).traceUrl).toBe(JAEGER);
  });

  it('fills in the trace id, wherever the placeholder sits', () => {
    expect(traceUrl(JAEGER, TRACE)).toBe(`http://localhost:16686/trace/${TRACE}`);
    expect(traceUrl(GRAFANA, TRACE)).toContain(`%22${TRACE}%22`);
  });

  it.each([
    ['no placeholder', 'http://localhost:16686/trace/', 'must contain {trace_id}'],
    ['not a URL', 'jaeger/{trace_id}', 'must be an absolute http(s) URL'],
    ['not http', 'ftp://host/{trace_id}', 'must be an http or https URL'],
  ])('refuses a template with %s, naming the field and the source', (_label, value, reason) => {
    const fromFlag = configErrorOf(() => uiOf({ flag: value }));
    expect([fromFlag.field, fromFlag.source]).toEqual(['--ui-url', 'the command line']);
    expect(fromFlag.reason).toContain(reason);
    const fromEnv = configErrorOf(() => uiOf({ env: { [UI_URL_ENV]: value } }));
    expect([fromEnv.field, fromEnv.source]).toEqual(['ui.trace_url', UI_URL_ENV]);
    const fromFile = configErrorOf(() => uiOf({ file: { ui: { trace_url: value } } }));
    expect(fromFile.field).toBe('ui.trace_url');
    expect(fromFile.source).toMatch(/\.yaml$/);
  });

  it('refuses an unknown key under ui', () => {
    expect(configErrorOf(() => uiOf({ file: { ui: { trace_link: JAEGER } } })).field).toBe('ui.trace_link');
  });
});
