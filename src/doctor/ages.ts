/** `41 s ago`, `12 min ago`, `3 h ago`, `2 days ago`: how old something is, for summaries. */
export function ago(seconds: number): string {
  return `${span(seconds)} ago`;
}

/** `41 s`, `12 min`, `3 h`, `2 days`. */
export function span(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 120) return `${s} s`;
  if (s < 7200) return `${Math.round(s / 60)} min`;
  if (s < 2 * 86400) return `${Math.round(s / 3600)} h`;
  return `${+(s / 86400).toFixed(1)} days`;
}

/** ISO 8601 UTC to the second, for facts and summaries. */
export function isoSeconds(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
