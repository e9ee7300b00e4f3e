// A run's trace drawn as Jaeger's timeline would: a row per span, indented by parent, a bar
// scaled to the run's duration, status in colour, tokens and tool type on the row.
import { nanosToSeconds, type AttributeValue, type SpanRecord } from '../core/span-record.js';
import {
  ATTR_ERROR_TYPE,
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_TOOL_TYPE,
  ATTR_GEN_AI_USAGE_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_OUTPUT_TOKENS,
  GEN_AI_OPERATION_NAME_VALUE_EXECUTE_TOOL,
} from '../semconv/attributes.js';
import { ATTR_OPENAI_RUN_STATUS, ATTR_OPENAI_RUN_STEP_STATUS, ATTR_OPENAI_RUN_STEP_TYPE } from '../sources/assistants/attributes.js';
import { STATUS } from '../sources/assistants/statuses.js';

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
  /**
   * Runs with more steps than this show their first and last `maxSteps / 2` steps and one line
   * for the steps between, so a terminal shows whole runs. Default 10.
   */
  maxSteps?: number;
}

const startOf = (span: SpanRecord): number => nanosToSeconds(span.start);
const endOf = (span: SpanRecord): number => nanosToSeconds(span.end);
/** Whole seconds as the API gives them; a fraction, should a span have one, to a tenth. */
const secondsText = (seconds: number): string => `${Number.isInteger(seconds) ? String(seconds) : seconds.toFixed(1)}s`;

function statusOf(span: SpanRecord): string {
  const attr = span.attributes[ATTR_OPENAI_RUN_STATUS] ?? span.attributes[ATTR_OPENAI_RUN_STEP_STATUS];
  return typeof attr === 'string' ? attr : span.status.code === 2 ? 'error' : '';
}

function tint(span: SpanRecord, palette: Palette, text: string): string {
  if (span.status.code === 2) return palette.error(text);
  const status = statusOf(span);
  if (status === STATUS.cancelled || status === STATUS.incomplete) return palette.warn(text);
  return palette.ok(text);
}

const count = (value: AttributeValue | undefined): string => (typeof value === 'number' ? String(value) : '0');

function details(span: SpanRecord): string {
  const a = span.attributes;
  const parts: string[] = [];
  if (a[ATTR_GEN_AI_OPERATION_NAME] !== GEN_AI_OPERATION_NAME_VALUE_EXECUTE_TOOL) {
    const status = statusOf(span);
    if (status) parts.push(status);
    const stepType = a[ATTR_OPENAI_RUN_STEP_TYPE];
    if (typeof stepType === 'string') parts.push(stepType);
    const input = a[ATTR_GEN_AI_USAGE_INPUT_TOKENS];
    const output = a[ATTR_GEN_AI_USAGE_OUTPUT_TOKENS];
    if (typeof input === 'number' || typeof output === 'number') parts.push(`in ${count(input)} / out ${count(output)} tokens`);
    const errorType = a[ATTR_ERROR_TYPE];
    if (typeof errorType === 'string') parts.push(`error ${errorType}`);
  } else {
    const toolType = a[ATTR_GEN_AI_TOOL_TYPE];
    if (typeof toolType === 'string') parts.push(toolType);
  }
  return parts.join(' · ');
}

/** Steps left out of a long run: how many, their statuses and tokens. */
function summary(steps: readonly SpanRecord[]): string {
  const statuses = new Map<string, number>();
  let input = 0;
  let output = 0;
  for (const step of steps) {
    const status = statusOf(step) || 'unknown';
    statuses.set(status, (statuses.get(status) ?? 0) + 1);
    const a = step.attributes;
    const stepInput = a[ATTR_GEN_AI_USAGE_INPUT_TOKENS];
    const stepOutput = a[ATTR_GEN_AI_USAGE_OUTPUT_TOKENS];
    if (typeof stepInput === 'number') input += stepInput;
    if (typeof stepOutput === 'number') output += stepOutput;
  }
  const counts = [...statuses].map(([status, n]) => `${n} ${status}`).join(', ');
  return `${counts} · in ${input} / out ${output} tokens`;
}

type Row = { span: SpanRecord; depth: number } | { left: SpanRecord[]; depth: number };

/** Lines for one run: the run span and every span under it, children after their parent in start order. */
export function drawWaterfall(spans: readonly SpanRecord[], options: WaterfallOptions): string[] {
  // The run span: the one whose parent is not in this process (none, or the app's span).
  const run = spans.find((s) => s.parent === null || s.parent.remote !== false);
  if (!run) return [];
  const children = new Map<string, SpanRecord[]>();
  for (const s of spans) {
    if (s === run || !s.parent) continue;
    children.set(s.parent.spanId, [...(children.get(s.parent.spanId) ?? []), s]);
  }
  const kidsOf = (span: SpanRecord): SpanRecord[] =>
    (children.get(span.spanId) ?? []).slice().sort((a, b) => startOf(a) - startOf(b) || a.name.localeCompare(b.name));
  const rows: Row[] = [];
  const visit = (span: SpanRecord, depth: number): void => {
    rows.push({ span, depth });
    for (const kid of kidsOf(span)) visit(kid, depth + 1);
  };
  rows.push({ span: run, depth: 0 });
  const steps = kidsOf(run);
  const keep = Math.max(2, options.maxSteps ?? 10);
  if (steps.length > keep + 1) {
    const head = Math.ceil(keep / 2);
    const tail = keep - head;
    for (const step of steps.slice(0, head)) visit(step, 1);
    rows.push({ left: steps.slice(head, steps.length - tail), depth: 1 });
    for (const step of steps.slice(steps.length - tail)) visit(step, 1);
  } else {
    for (const step of steps) visit(step, 1);
  }

  const { palette } = options;
  const drawn = rows.flatMap((r) => ('span' in r ? [r.span] : r.left));
  const start = Math.min(...drawn.map(startOf));
  const end = Math.max(...drawn.map(endOf), start + 1);
  const total = end - start;
  const labelOf = (row: Row): string =>
    `${'  '.repeat(row.depth)}${'span' in row ? row.span.name : `... ${row.left.length} steps not shown`}`;
  const labelWidth = Math.min(44, Math.max(...rows.map((r) => labelOf(r).length)) + 1);
  // Room is kept for the duration and the details after the bar, so rows do not wrap.
  const barWidth = Math.max(10, Math.min(60, options.width - labelWidth - 80));
  const barOf = (from: number, to: number): string => {
    const offset = Math.min(Math.floor(((from - start) / total) * barWidth), barWidth - 1);
    const len = Math.max(1, Math.round(((to - from) / total) * barWidth));
    return `${' '.repeat(offset)}${'█'.repeat(Math.min(len, barWidth - offset))}`.padEnd(barWidth);
  };
  const lines: string[] = [];
  for (const row of rows) {
    const label = labelOf(row).slice(0, labelWidth).padEnd(labelWidth);
    if ('left' in row) {
      // The steps between the first and the last: their span of time, how they ended, their tokens.
      const from = Math.min(...row.left.map(startOf));
      const to = Math.max(...row.left.map(endOf));
      const failed = row.left.some((s) => s.status.code === 2);
      const bar = failed ? palette.error(barOf(from, to)) : palette.dim(barOf(from, to));
      lines.push(`${palette.dim(label)} ${bar} ${secondsText(to - from).padStart(5)}  ${palette.dim(summary(row.left))}`);
      continue;
    }
    const { span, depth } = row;
    const seconds = secondsText(endOf(span) - startOf(span)).padStart(5);
    lines.push(
      `${depth === 0 ? palette.bold(label) : label} ${tint(span, palette, barOf(startOf(span), endOf(span)))} ${seconds}  ${palette.dim(details(span))}`,
    );
  }
  const link = options.traceUrl ? `  ${options.traceUrl(run.traceId)}` : '';
  lines.push(palette.dim(`${' '.repeat(2)}trace ${run.traceId}${link}`));
  return lines;
}
