/**
 * The emulator's statistics as they cross a boundary: what `Emulator.stats()` returns, what the
 * emulator thread posts to the generator, the `emulator` event of events.jsonl and report.json's
 * `emulator` section. The emulator produces it (provisioning/server-stats.ts and the sections of
 * emulator.ts); the report folds and merges it (report/run-state.ts, report/emulator-merge.ts); the
 * analysis reads its per-second counts (analysis/api-series.ts).
 *
 * It lives in protocol/ because both sides use it and neither imports the other. It is plain JSON:
 * numbers, strings, arrays and records only. Readers of a stored events file or report also meet
 * stats written by an older fleetsim, which may lack a section; code that reads stored stats
 * checks before it trusts (emulator-merge.ts does).
 */

/** Counts per key, e.g. `received{api=RegisterThing}` or `connects_throttled{quota=connectPerAccount}`. */
export type EmulatorCounts = Record<string, number>;

export interface EmulatorApiCounts {
  received: number;
  accepted: number;
  /** every rejected reply, throttled ones included */
  rejected: number;
  /** rejected with 429 because the API's quota was exhausted */
  throttled: number;
}

/** Totals by provisioning API and for connects, read from the counters. */
export interface EmulatorSummary {
  apis: Record<string, EmulatorApiCounts>;
  connects: { attempts: number; accepted: number; throttled: number; refused: number };
  publishes: { throttled: number; denied: number };
}

export interface EmulatorBrokerStats {
  /** open transport streams, including those not yet CONNECTed */
  connections: number;
  connectsAccepted: number;
  connectsRefused: number;
  publishesIn: number;
  publishesOut: number;
}

/** The event a pre-provisioning hook receives (AWS's Lambda input; certificatePem shortened in stats). */
export interface EmulatorHookEvent {
  claimCertificateId: string;
  certificateId: string;
  certificatePem: string;
  templateArn: string;
  clientId: string;
  parameters: Record<string, string>;
}

/** One failed invocation of a pre-provisioning hook, as the emulator keeps it. */
export interface EmulatorHookFailure {
  timestamp: string;
  requestId: string;
  templateName: string;
  kind: 'error' | 'timeout' | 'bad-answer' | 'throttled';
  errorType: string;
  errorMessage: string;
  stack: string[];
  durationMs: number;
  /** the event the hook received, certificatePem shortened */
  event: EmulatorHookEvent;
  /** the log lines a Lambda would write for this invocation */
  log: string[];
  /** the log stream file holding this invocation (relative to the run folder for runs) */
  logFile?: string;
}

/** A hook timing in ms; `histogram` is the encoded HDR histogram (µs), for exact re-merging. */
export interface EmulatorHookTiming {
  count: number;
  p50: number;
  p99: number;
  max: number;
  histogram: string;
}

/** Hook failures of one errorType: how many, the first message and where it was logged. */
export interface EmulatorHookErrorSummary {
  count: number;
  firstMessage: string;
  firstAt: string;
  logFile?: string;
  /** the log line that names the error, e.g. `[ERROR] KeyError: 'device_serial'` */
  logLine?: string;
}

/** One template's Lambda-style hook function: its runtime, handler and execution environments. */
export interface EmulatorHookFunctionStats {
  runtime: 'python' | 'nodejs';
  file: string;
  handler: string;
  environmentsStarted: number;
  environmentsLive: number;
  peakEnvironments: number;
  peakConcurrency: number;
  maxEnvironments: number;
  reservedConcurrency?: number;
  /** invocations that waited because maxEnvironments was reached (our wait, not AWS's) */
  waitedForCap: number;
  capReached: boolean;
  reaped: number;
  killedOnTimeout: number;
  crashed: number;
  logDir?: string;
}

export interface EmulatorHookStats {
  invocations: number;
  allowed: number;
  denied: number;
  errors: number;
  timeouts: number;
  /**
   * milliseconds; `histogram` is the encoded HDR histogram (µs). Stats merged from emulators that
   * gave no histogram have only the count and the max.
   */
  latency: { count: number; p50?: number; p99?: number; max: number; histogram?: string };
  /** failures (errors, timeouts, unreadable answers) by message */
  errorsByMessage: Record<string, number>;
  recentErrors: EmulatorHookFailure[];
  /** invocations refused because reservedConcurrency was reached (Lambda-style hooks) */
  throttles?: number;
  /** invocations that started a new execution environment */
  coldStarts?: number;
  /** invocations that waited for a free environment (maxEnvironments reached) */
  waitedForCap?: number;
  /** the invoke phase as the REPORT line gives it (Duration); only with Lambda-style hook functions */
  duration?: EmulatorHookTiming;
  /** Init Duration of new environments; only with Lambda-style hook functions */
  init?: EmulatorHookTiming;
  /** failures by errorType */
  errorsByType?: Record<string, EmulatorHookErrorSummary>;
  /** per template: its hook function */
  functions?: Record<string, EmulatorHookFunctionStats>;
}

export interface EmulatorControlPlaneStats {
  /** requests answered, per operation (throttled ones included) */
  requests: Record<string, number>;
  throttled: number;
  errors: Record<string, number>;
}

/** A quota's effective value: a token bucket or no limit. */
export type EmulatorQuota = { rate: number; burst: number } | 'unlimited';

export interface EmulatorFaults {
  seed: number;
  dropReplies: number;
  error500: number;
  disconnect?: { ratio: number; at: string };
}

/** The server-side counts (provisioning/server-stats.ts snapshot()). */
export interface EmulatorCounters {
  /** ISO time of the emulator's second 0 */
  startedAt: string;
  /** second since startedAt → counts in that second */
  perSecond: Record<string, EmulatorCounts>;
  totals: EmulatorCounts;
  summary: EmulatorSummary;
}

export interface EmulatorStats extends EmulatorCounters {
  broker: EmulatorBrokerStats;
  tlsHandshakeFailures: number;
  tlsSessionResumption: boolean;
  /** what the registry takes to exist in the account (only what was declared) */
  account?: { thingGroups?: string[]; thingTypes?: string[] };
  registry: { things: number; certificates: number; policies: number };
  /** ownership tokens issued and not yet used or expired */
  openTokens: number;
  /** quota name → its effective value */
  quotas: Record<string, EmulatorQuota>;
  faults: EmulatorFaults;
  hook: EmulatorHookStats;
  /** the claim certificate's policy */
  claimPolicy: string;
  controlPlaneUrl?: string;
  controlPlane?: EmulatorControlPlaneStats;
  /** merged runs only: how many emulators (one per shard) these stats add up */
  emulators?: number;
}
