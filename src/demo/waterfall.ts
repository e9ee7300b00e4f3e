// A run's trace drawn as Jaeger's timeline would: a row per span, indented by parent, a bar
// scaled to the run's duration, status in colour, tokens and tool type on the row.
import type { SpanRecord } from '../mapping/span-record.js';

export interface Palette {
  error: (s: string) => string;
  warn: (s: string) => string;
  ok: (s: string) => string;
  dim: (s: string) => string;
  bold: (s: string) => string;
}

const plain = (s: string): string => s;
export const NO_COLOR: Palette = { error: plain, warn: plain, ok: plain, dim: plain, bold: plain };
const ansi = (code: string) => (s: string) => `\u001b[${code}m${s}\u001b[0m`;
export const COLOR: Palette = { error: ansi('31'), warn: ansi('33'), ok: ansi('32'), dim: ansi('2'), bold: ansi('1') };

export interface WaterfallOptions {
  width: number;
  palette: Palette;
  /** A link to the trace, e.g. a Jaeger UI URL prefix. */
  traceUrl?: (traceId: string) => string;
}

function statusOf(span: SpanRecord): string {
  const attr = span.attributes['openai.run.status'] ?? span.attributes['openai.run_step.status'];
  return typeof attr === 'string' ? attr : span.status.code === 2 ? 'error' : '';
}

function tint(span: SpanRecord, palette: Palette, text: string): string {
  if (span.status.code === 2) return palette.error(text);
  const status = statusOf(span);
  if (status === 'cancelled' || status === 'incomplete') return palette.warn(text);
  return palette.ok(text);
}

function details(span: SpanRecord): string {
  const a = span.attributes;
  const parts: string[] = [];
  if (span.role === 'run' || span.role === 'step') {
    const status = statusOf(span);
    if (status) parts.push(status);
    if (typeof a['openai.run_step.type'] === 'string') parts.push(a['openai.run_step.type']);
    if (typeof a['gen_ai.usage.input_tokens'] === 'number' || typeof a['gen_ai.usage.output_tokens'] === 'number') {
      parts.push(`in ${a['gen_ai.usage.input_tokens'] ?? 0} / out ${a['gen_ai.usage.output_tokens'] ?? 0} tokens`);
    }
    if (typeof a['error.type'] === 'string') parts.push(`error ${a['error.type']}`);
  } else if (typeof a['gen_ai.tool.type'] === 'string') {
    parts.push(a['gen_ai.tool.type']);
  }
  return parts.join(' · ');
}

/** Lines for one run: the run span and every span under it, children after their parent in start order. */
export function drawWaterfall(spans: readonly SpanRecord[], options: WaterfallOptions): string[] {
  const run = spans.find((s) => s.role === 'run');
  if (!run) return [];
  const children = new Map<string, SpanRecord[]>();
  for (const s of spans) {
    if (s === run || !s.parentSpanId) continue;
    children.set(s.parentSpanId, [...(children.get(s.parentSpanId) ?? []), s]);
  }
  const ordered: { span: SpanRecord; depth: number }[] = [];
  const visit = (span: SpanRecord, depth: number): void => {
    ordered.push({ span, depth });
    const kids = (children.get(span.spanId) ?? []).slice().sort((a, b) => a.startSeconds - b.startSeconds || a.name.localeCompare(b.name));
    for (const kid of kids) visit(kid, depth + 1);
  };
  visit(run, 0);
  const { palette } = options;
  const start = Math.min(...ordered.map((o) => o.span.startSeconds));
  const end = Math.max(...ordered.map((o) => o.span.endSeconds), start + 1);
  const total = end - start;
  const labelWidth = Math.min(44, Math.max(...ordered.map((o) => o.depth * 2 + o.span.name.length)) + 1);
  // Room is kept for the duration and the details after the bar, so rows do not wrap.
  const barWidth = Math.max(10, Math.min(60, options.width - labelWidth - 80));
  const lines: string[] = [];
  for (const { span, depth } of ordered) {
    const label = `${'  '.repeat(depth)}${span.name}`.slice(0, labelWidth).padEnd(labelWidth);
    const from = Math.floor(((span.startSeconds - start) / total) * barWidth);
    const len = Math.max(1, Math.round(((span.endSeconds - span.startSeconds) / total) * barWidth));
    const bar = `${' '.repeat(Math.min(from, barWidth - 1))}${'█'.repeat(Math.min(len, barWidth - Math.min(from, barWidth - 1)))}`.padEnd(barWidth);
    const seconds = `${span.endSeconds - span.startSeconds}s`.padStart(5);
    const row = `${depth === 0 ? palette.bold(label) : label} ${tint(span, palette, bar)} ${seconds}  ${palette.dim(details(span))}`;
    lines.push(row);
  }
  const link = options.traceUrl ? `  ${options.traceUrl(run.traceId)}` : '';
  lines.push(palette.dim(`${' '.repeat(2)}trace ${run.traceId}${link}`));
  return lines;
}
