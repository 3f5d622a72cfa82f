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

/**
 * Per-second counters (the series behind throttle analysis and charts) and the labels each one
 * carries. MetricsRecorder.count takes only these names with exactly these labels: a new counter
 * is added here first, or it does not typecheck.
 */
export const COUNTERS = {
  /** requests sent (connect attempts for Connect-like APIs), retries included */
  offered: ['api'],
  /** accepted replies (an accepting CONNACK for connects) */
  accepted: ['api'],
  /** rejected replies or refused connects: HTTP-like status or MQTT reason code, and error code or failure kind */
  rejected: ['api', 'status', 'code'],
  /** no reply in time */
  timeout: ['api'],
  /** device flows started */
  started: [],
  provisioned: [],
  failed: ['reason'],
  dropped: ['reason'],
  /** a retry of a step or of the whole flow (step `flow`) */
  retries: ['reason', 'step'],
  /** devices that gave up on a retryable failure */
  exhausted: ['reason', 'step'],
  /** an issued certificate the credentials writer could not keep up with */
  credentials_unsaved: [],
} as const satisfies Record<string, readonly string[]>;

export type CounterName = keyof typeof COUNTERS;

/** The labels of counter N, e.g. `{ reason, step }` for `retries`. */
export type CounterLabels<N extends CounterName> = { [L in (typeof COUNTERS)[N][number]]: string | number };

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

/** A counter's series key, e.g. `retries{reason=throttled,step=register_thing}`. */
export function counterKey<N extends CounterName>(name: N, labels?: CounterLabels<N>): string {
  return seriesKey(name, labels);
}

/** A counter's labels as read back from a key: strings, and any may be missing (a key from an older or hand-edited file). */
export type ParsedCounterLabels<N extends CounterName> = Partial<Record<(typeof COUNTERS)[N][number], string>>;

/** The labels of a series key of counter `name`; undefined for a key of any other metric. */
export function parseCounterKey<N extends CounterName>(key: string, name: N): ParsedCounterLabels<N> | undefined {
  const parsed = parseSeriesKey(key);
  return parsed.name === name ? (parsed.labels as ParsedCounterLabels<N>) : undefined;
}

/**
 * Running totals (MetricsRecorder.total), counted once per device when its flow ends:
 * `attempts:<n>` devices whose flow took n attempts (steps and connects, every try counted), and
 * `api_attempts{api=<api>,n=<n>}` devices that made n attempts at one API, and
 * `device_retries:<n>` devices that needed n retries (step retries and flow restarts).
 */
export type TotalKey = `attempts:${number}` | `api_attempts{api=${string},n=${number}}` | `device_retries:${number}`;

const FLOW_ATTEMPTS_PREFIX = 'attempts:';

export function flowAttemptsKey(attempts: number): TotalKey {
  return `${FLOW_ATTEMPTS_PREFIX}${attempts}`;
}

/** `attempts:3` → 3; undefined for any other key. */
export function parseFlowAttemptsKey(key: string): number | undefined {
  if (!key.startsWith(FLOW_ATTEMPTS_PREFIX)) return undefined;
  const digits = key.slice(FLOW_ATTEMPTS_PREFIX.length);
  return /^\d+$/.test(digits) ? Number(digits) : undefined;
}

export function apiAttemptsKey(api: string, attempts: number): TotalKey {
  return `api_attempts{api=${api},n=${attempts}}`;
}

/** `api_attempts{api=RegisterThing,n=2}` → { api: 'RegisterThing', attempts: 2 }; undefined for any other key. */
export function parseApiAttemptsKey(key: string): { api: string; attempts: number } | undefined {
  const { name, labels } = parseSeriesKey(key);
  if (name !== 'api_attempts' || labels.api === undefined || labels.n === undefined) return undefined;
  return /^\d+$/.test(labels.n) ? { api: labels.api, attempts: Number(labels.n) } : undefined;
}

const DEVICE_RETRIES_PREFIX = 'device_retries:';

export function deviceRetriesKey(retries: number): TotalKey {
  return `${DEVICE_RETRIES_PREFIX}${retries}`;
}

/** `device_retries:2` → 2; undefined for any other key. */
export function parseDeviceRetriesKey(key: string): number | undefined {
  if (!key.startsWith(DEVICE_RETRIES_PREFIX)) return undefined;
  const digits = key.slice(DEVICE_RETRIES_PREFIX.length);
  return /^\d+$/.test(digits) ? Number(digits) : undefined;
}
