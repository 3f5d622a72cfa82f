/**
 * Placeholders in fleet patterns: `{index}` (0-based device index across the whole run),
 * `{index:5}` (zero-padded to 5 digits), `{runId}`, `{serial}` (the rendered serial pattern),
 * `{shard}`. Unknown placeholders are a validation error, caught before a run starts.
 */

export const PATTERN_VARIABLES = ['index', 'runId', 'serial', 'shard'] as const;
const PLACEHOLDER_RE = /\{([A-Za-z]+)(?::(\d{1,2}))?\}/g;

export function findUnknownPlaceholders(pattern: string, allowed: readonly string[] = PATTERN_VARIABLES): string[] {
  const unknown: string[] = [];
  for (const m of pattern.matchAll(PLACEHOLDER_RE)) if (!allowed.includes(m[1] as string)) unknown.push(m[0]);
  return unknown;
}

export function renderPattern(pattern: string, vars: Record<string, string | number>): string {
  return pattern.replace(PLACEHOLDER_RE, (whole, name: string, pad: string | undefined) => {
    const v = vars[name];
    if (v === undefined) return whole;
    const s = String(v);
    return pad === undefined ? s : s.padStart(Number(pad), '0');
  });
}
