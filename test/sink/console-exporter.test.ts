// OTEL_TRACES_EXPORTER=console: one JSON line per span, with the span's events and links when it
// has them (the run's queue event, a connected agent's link), so the console shows the whole span.
import { describe, expect, it } from 'vitest';
import { mapRunSpan, mapStepSpans } from '../../src/sources/assistants/mapping/map-run.js';
import { ConsoleExporter } from '../../src/sink/console-exporter.js';
import { context, LIMITS, run, T0, toolStep } from '../mapping/fixtures.js';

describe('the console exporter', () => {
  it('prints events and links, and leaves them out of spans without any', async () => {
    const lines: string[] = [];
    const exporter = new ConsoleExporter({ 'service.name': 'x' }, (line) => lines.push(line));
    const runSpan = mapRunSpan(run({ started_at: T0 + 4 }), context(), null, LIMITS);
    const [stepSpan, toolSpan] = mapStepSpans(
      run(),
      toolStep([{ id: 'c', type: 'connected_agent', connected_agent: { name: 'helper', run_id: 'run_child' } }]),
      context(),
      LIMITS,
    );
    expect(await exporter.export([runSpan, stepSpan!, toolSpan!])).toEqual({ kind: 'accepted', rejectedSpans: 0 });
    const [printedRun, printedStep, printedTool] = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(printedRun!.events).toEqual([{ name: 'run.started', timeUnixNano: `${T0 + 4}000000000`, attributes: {} }]);
    expect(printedStep).not.toHaveProperty('events');
    expect(printedStep).not.toHaveProperty('links');
    expect(printedTool!.links).toEqual([
      { traceId: toolSpan!.links![0]!.traceId, spanId: toolSpan!.links![0]!.spanId, attributes: { 'openai.run.id': 'run_child' } },
    ]);
  });
});
