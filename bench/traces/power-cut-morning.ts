/**
 * Writes scenarios/traces/power-cut-morning.json: a synthetic power-cut morning (no customer data)
 * in the shape `aws cloudwatch get-metric-data` prints, with two AWS/IoT series (Connect.Success
 * and Connect.Throttle, Sum, 60 s period) whose sum per minute is the arrival curve.
 *
 * The story: the power fails at 05:50 and comes back at 06:02. Until then a few devices trickle
 * in; in the minute the power returns half the fleet boots, the next minutes bring the rest in a
 * decaying tail. Deterministic (seeded), so the bundled file can be checked against this script.
 *
 *   npm run build --silent && node dist/bench/traces/power-cut-morning.js [out.json]
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** arrivals per minute from 06:00 */
export const ARRIVALS_PER_MINUTE = [2, 3, 420, 180, 60, 30, 18, 10, 6, 3];
const START = Date.parse('2026-11-17T06:00:00Z');

/** The share of a minute's connects that were throttled, for the story (their sum is what is replayed). */
const THROTTLED_SHARE = [0, 0, 0.6, 0.35, 0.1, 0, 0, 0, 0, 0];

export function powerCutMorning(): object {
  const ts = ARRIVALS_PER_MINUTE.map((_, i) => new Date(START + i * 60_000).toISOString().replace('.000Z', 'Z'));
  const throttled = ARRIVALS_PER_MINUTE.map((n, i) => Math.round(n * (THROTTLED_SHARE[i] ?? 0)));
  const success = ARRIVALS_PER_MINUTE.map((n, i) => n - (throttled[i] as number));
  // get-metric-data lists the newest first (ScanBy TimestampDescending, its default)
  const desc = <T>(xs: T[]) => [...xs].reverse();
  return {
    MetricDataResults: [
      { Id: 'success', Label: 'Connect.Success', Timestamps: desc(ts), Values: desc(success), StatusCode: 'Complete' },
      { Id: 'throttle', Label: 'Connect.Throttle', Timestamps: desc(ts), Values: desc(throttled), StatusCode: 'Complete' },
    ],
    Messages: [],
  };
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const out = process.argv[2] ?? path.resolve(here, '..', '..', '..', 'scenarios', 'traces', 'power-cut-morning.json');
  writeFileSync(out, `${JSON.stringify(powerCutMorning(), null, 2)}\n`);
  console.log(`wrote ${out}: ${ARRIVALS_PER_MINUTE.reduce((a, b) => a + b, 0)} arrivals over ${ARRIVALS_PER_MINUTE.length} minutes`);
}
