import { describe, expect, it } from 'vitest';
import { METRICS } from '../../src/metrics/catalog.js';
import { ALL_METRICS, exportedSeriesNames, prometheusNames } from '../support/metric-names.js';

describe('metric catalog', () => {
  it('gives the Prometheus names of each path: _total on counters, unit suffixes only through OTLP', () => {
    expect(prometheusNames(METRICS.steps, 'scrape')).toEqual(['assistants_steps_total']);
    expect(prometheusNames(METRICS.steps, 'otlp')).toEqual(['assistants_steps_total']);
    expect(prometheusNames(METRICS.operationDuration, 'scrape')).toEqual([
      'gen_ai_client_operation_duration_bucket',
      'gen_ai_client_operation_duration_sum',
      'gen_ai_client_operation_duration_count',
    ]);
    expect(prometheusNames(METRICS.operationDuration, 'otlp')[0]).toBe('gen_ai_client_operation_duration_seconds_bucket');
    // Annotations such as {token} add no suffix.
    expect(prometheusNames(METRICS.tokenUsage, 'otlp')[1]).toBe('gen_ai_client_token_usage_sum');
    expect(prometheusNames(METRICS.lastPoll, 'scrape')).toEqual(['assistants_bridge_poll_last_success_time']);
    expect(prometheusNames(METRICS.lastPoll, 'otlp')).toEqual(['assistants_bridge_poll_last_success_time_seconds']);
  });

  it('uses the semantic-convention names, units and buckets for the GenAI histograms', () => {
    expect(METRICS.tokenUsage).toMatchObject({ name: 'gen_ai.client.token.usage', unit: '{token}', kind: 'histogram' });
    expect(METRICS.tokenUsage.buckets).toEqual([1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864]);
    expect(METRICS.operationDuration).toMatchObject({ name: 'gen_ai.client.operation.duration', unit: 's', kind: 'histogram' });
    expect(METRICS.operationDuration.buckets).toEqual([
      0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92,
    ]);
  });

  it('has unique names and never an id among the attributes', () => {
    const names = ALL_METRICS.map((m) => m.name);
    expect(new Set(names).size).toBe(names.length);
    for (const spec of ALL_METRICS) for (const a of spec.attributes) expect(a).not.toMatch(/(run|thread|step|conversation|call)\.id$|_id$/);
    expect(exportedSeriesNames('scrape').has('target_info')).toBe(true);
  });
});
