// Small statistics and formatting helpers.

/** Nearest-rank percentile of `values` (p in 0..100); null for an empty list. */
export function percentile(values, p) {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(sorted.length, rank) - 1];
}

export const median = (values) => percentile(values, 50);
export const sum = (values) => values.reduce((a, b) => a + b, 0);
export const max = (values) => (values.length === 0 ? null : values.reduce((a, b) => (b > a ? b : a), -Infinity));

export function fmt(value, digits = 2) {
  if (value === null || value === undefined || Number.isNaN(value)) return 'n/a';
  if (typeof value !== 'number') return String(value);
  if (Number.isInteger(value) && Math.abs(value) >= 1000) return value.toLocaleString('en-US');
  if (Number.isInteger(value)) return String(value);
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

export const ms = (value) => (value === null || value === undefined ? 'n/a' : `${fmt(Math.round(value))} ms`);
export const secs = (valueMs) => (valueMs === null || valueMs === undefined ? 'n/a' : `${fmt(valueMs / 1000, 1)} s`);
export const mb = (bytes) => (bytes === null || bytes === undefined ? 'n/a' : `${fmt(bytes / 1024 / 1024, 1)} MB`);

export const sleep = (msValue) => new Promise((r) => setTimeout(r, msValue));
