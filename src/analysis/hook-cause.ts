/**
 * The pre-provisioning hook in the verdict: when devices failed because of the hook (their
 * failure reason names it: "... (hook KeyError)"), the verdict opens with the cause, e.g.
 * "RegisterThing failed for 200 of 200 devices: the pre-provisioning hook raised KeyError
 * 'device_serial' (hook-logs/fleet-prov-test-template/2026-12-05-LATEST-....log)."
 * Reads the emulator's hook stats (report.emulator.hook) as plain data.
 */
import type { OutcomeCounts } from '../metrics/snapshot.js';

const HOOK_REASON = /\(hook ([^()\s]+)\)$/;

interface ErrorSummary {
  count?: number;
  firstMessage?: string;
  logFile?: string;
}

const num = (n: number) => n.toLocaleString('en-US');

/** Devices failed by the hook, by the hook's errorType (from their failure reasons). */
export function hookFailuresByType(outcomes: OutcomeCounts): Map<string, number> {
  const out = new Map<string, number>();
  for (const [reason, n] of Object.entries(outcomes.failed)) {
    const m = HOOK_REASON.exec(reason);
    if (m !== null) out.set(m[1]!, (out.get(m[1]!) ?? 0) + n);
  }
  return out;
}

function what(errorType: string, message: string): string {
  if (errorType === 'Sandbox.Timedout') return message === '' ? 'timed out' : `timed out (${message})`;
  if (errorType === 'TooManyRequestsException') return 'was throttled (TooManyRequestsException: reserved concurrency reached)';
  return `raised ${errorType}${message === '' ? '' : ` ${message}`}`;
}

/** The sentence naming the hook as the cause, or undefined when no device failed because of it. */
export function hookCauseSentence(outcomes: OutcomeCounts, devices: number, emulator: unknown): string | undefined {
  const byType = [...hookFailuresByType(outcomes)].sort((a, b) => b[1] - a[1]);
  if (byType.length === 0) return undefined;
  const total = byType.reduce((a, [, n]) => a + n, 0);
  const hook = typeof emulator === 'object' && emulator !== null ? (emulator as { hook?: { errorsByType?: Record<string, ErrorSummary> } }).hook : undefined;
  const causes = byType.slice(0, 2).map(([type]) => {
    const s = hook?.errorsByType?.[type];
    const msg = (s?.firstMessage ?? '').replace(/\s+/g, ' ').slice(0, 160);
    return `${what(type, msg)}${s?.logFile === undefined ? '' : ` (${s.logFile})`}`;
  });
  const more = byType.length > 2 ? ` and ${byType.length - 2} other error type${byType.length === 3 ? '' : 's'}` : '';
  return `RegisterThing failed for ${num(total)} of ${num(devices)} devices: the pre-provisioning hook ${causes.join(', and ')}${more}.`;
}
