import nodePath from 'node:path';
import { describe, expect, it } from 'vitest';
import { METRICS } from '../../src/metrics/catalog.js';
import { ASSISTANTS_OBSERVED_METRICS } from '../../src/sources/assistants/run-totals.js';
import { bucketTotalName, observedCatalog, storedDeltas, sumTotalName } from '../../src/metrics/stored-totals.js';
import { ATTR_BRIDGE_HISTORY } from '../../src/semconv/attributes.js';
import { AGENTS_METRICS } from '../../src/sources/agents/metrics.js';
import { SOURCES } from '../../src/sources/registry.js';
import { RESPONSE_METRICS } from '../../src/sources/responses/metrics.js';
import { openRunLedger } from '../../src/sources/assistants/run-ledger.js';
import { context, spans, tempDir } from '../state/helpers.js';

describe('stored totals read the registered sources’ catalogs', () => {
  it('registers the assistants, agents and responses sources once each', () => {
    expect(SOURCES.map((s) => s.name)).toEqual(['assistants', 'agents', 'responses']);
  });

  it('stores an agents counter observation with its history label', () => {
    const deltas = storedDeltas([
      { name: AGENTS_METRICS.turns.name, labels: { 'openai.agents.turn.status': 'completed' }, value: 1, history: true },
    ]);
    expect(deltas).toEqual([
      { name: 'openai.agents.turns', labels: { 'openai.agents.turn.status': 'completed', [ATTR_BRIDGE_HISTORY]: 'true' }, delta: 1 },
    ]);
  });

  it('stores a responses histogram observation as a bucket and a sum, with its history label', () => {
    const deltas = storedDeltas([
      { name: RESPONSE_METRICS.responseDuration.name, labels: { 'openai.response.status': 'failed' }, value: 7, history: false },
    ]);
    const labels = { 'openai.response.status': 'failed', [ATTR_BRIDGE_HISTORY]: 'false' };
    expect(deltas).toEqual([
      { name: bucketTotalName('openai.response.duration'), labels: { ...labels, le: '10' }, delta: 1 },
      { name: sumTotalName('openai.response.duration'), labels, delta: 7 },
    ]);
  });

  it('rejects a source observation when its source is not in the catalog it is given', () => {
    const assistantsOnly = observedCatalog([{ metrics: ASSISTANTS_OBSERVED_METRICS }]);
    const turn = { name: AGENTS_METRICS.turns.name, labels: {}, value: 1, history: false };
    expect(() => storedDeltas([turn], assistantsOnly)).toThrow(/"openai\.agents\.turns" is not in a catalog/);
    expect(storedDeltas([{ ...turn, name: METRICS.runs.name }], assistantsOnly)).toHaveLength(1);
  });

  it('throws on a name no registered catalog has', () => {
    expect(() => storedDeltas([{ name: 'openai.agents.unknown', labels: {}, value: 1, history: false }])).toThrow(
      /"openai\.agents\.unknown" is not in a catalog of observed metrics/,
    );
  });

  it('refuses two different specs under one name', () => {
    const twin = { ...METRICS.runs, buckets: [1, 2] };
    expect(() => observedCatalog([{ metrics: [METRICS.runs] }, { metrics: [twin] }])).toThrow(/"assistants\.runs" has two different specs/);
  });

  it('adds agents and responses observations to the totals of a real state file, with one commit', async () => {
    const ledger = openRunLedger(nodePath.join(tempDir(), 'bridge.sqlite'));
    try {
      ledger.trackRun('thread_1', 'run_1', 'cli');
      ledger.commitProgress({
        runId: 'run_1',
        frozenContext: context(),
        status: 'completed',
        spans: spans('run_1', 1, 1),
        emittedStepIds: ['step_1'],
        cursorStepId: 'step_1',
        latestStepEnd: 1_700_000_001,
        runSpanEmitted: true,
        terminal: true,
        observations: [
          { name: AGENTS_METRICS.missingTraces.name, labels: { 'bridge.trace.unavailable': 'not_published' }, value: 1, history: true },
          { name: RESPONSE_METRICS.responses.name, labels: { 'openai.response.status': 'completed' }, value: 2, history: false },
        ],
      });
      expect(ledger.metricTotals()).toEqual([
        {
          name: 'openai.agents.traces.missing',
          labels: { 'bridge.trace.unavailable': 'not_published', [ATTR_BRIDGE_HISTORY]: 'true' },
          value: 1,
        },
        { name: 'openai.responses', labels: { 'openai.response.status': 'completed', [ATTR_BRIDGE_HISTORY]: 'false' }, value: 2 },
      ]);
    } finally {
      await ledger.shutdown();
    }
  });
});
