/** Durations in scenario files: a number of milliseconds, or a string such as `500ms`, `10s`, `2m`, `1h`, `1m30s`. */

/** Milliseconds per duration unit (also the units threshold expressions accept). */
export const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const PART_RE = /(\d+(?:\.\d+)?)(ms|s|m|h)/g;

/** Milliseconds, or undefined if `value` is not a valid duration. */
export function parseDuration(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? value : undefined;
  if (typeof value !== 'string') return undefined;
  const s = value.trim();
  if (/^\d+(\.\d+)?$/.test(s)) return Number(s);
  let total = 0;
  let consumed = 0;
  for (const m of s.matchAll(PART_RE)) {
    if (m.index !== consumed) return undefined;
    total += Number(m[1]) * (UNIT_MS[m[2] as string] as number);
    consumed += m[0].length;
  }
  return consumed === s.length && consumed > 0 ? total : undefined;
}

/** Human form of a millisecond duration: `850 ms`, `12.3 s`, `4 min 5 s`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const min = Math.floor(ms / 60_000);
  const sec = Math.round((ms % 60_000) / 1000);
  return `${min} min ${sec} s`;
}
