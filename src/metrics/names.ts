/** Metric names (snake_case, after k6's builtin metrics). */

/** Per-step latency histograms, in the order a device runs them. */
export const STEP_NAMES = [
  'connect',
  'subscribe',
  'create_certificate',
  'register_thing',
  'verify_connect',
  'verify_publish',
  /** flow.reconnect: the reconnect with the issued certificate after the simulated power cut */
  'reconnect',
  /** whole flow, from the device's intended start (open model) or actual start (closed model) */
  'provision',
  /** whole flow from the actual start: service time, kept beside `provision` */
  'provision_service',
] as const;

export type StepName = (typeof STEP_NAMES)[number];

/** Per-second counters (the series behind throttle analysis and charts). */
export const COUNTER_NAMES = [
  'offered', // requests sent, labelled api
  'accepted', // accepted replies, labelled api
  'rejected', // rejected replies, labelled api,status,code
  'timeout', // no reply in time, labelled api
  'started', // device flows started
  'provisioned',
  'failed',
  'dropped',
  'retries', // labelled reason
  'exhausted', // devices that gave up on a retryable failure, labelled reason,step
] as const;

export type CounterName = (typeof COUNTER_NAMES)[number];

/** `name{k=v,k2=v2}` with labels sorted, the key format of every series. */
export function seriesKey(name: string, labels?: Record<string, string | number>): string {
  if (labels === undefined) return name;
  const keys = Object.keys(labels).sort();
  if (keys.length === 0) return name;
  return `${name}{${keys.map((k) => `${k}=${labels[k]}`).join(',')}}`;
}

export function parseSeriesKey(key: string): { name: string; labels: Record<string, string> } {
  const brace = key.indexOf('{');
  if (brace < 0) return { name: key, labels: {} };
  const labels: Record<string, string> = {};
  for (const part of key.slice(brace + 1, -1).split(',')) {
    const eq = part.indexOf('=');
    if (eq > 0) labels[part.slice(0, eq)] = part.slice(eq + 1);
  }
  return { name: key.slice(0, brace), labels };
}
