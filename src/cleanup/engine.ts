/**
 * `fleetsim cleanup`: delete exactly the things and certificates a run created.
 *
 * things:        ListThingPrincipals → DetachThingPrincipal (each) → DeleteThing
 * certificates:  ListAttachedPolicies → DetachPolicy (each) → UpdateCertificate INACTIVE → DeleteCertificate
 *
 * Each resource's steps are in delete-steps.ts. Things go first, so certificates are already
 * detached from them. ResourceNotFound means "already gone", which makes every step idempotent;
 * detaching is eventually consistent in AWS, so a delete that still finds an attachment is
 * retried with backoff. Policies are shared by every device the template provisioned and are
 * never deleted. Progress is kept in cleanup.json.
 *
 * runCleanup: resume (what is left) → CleanupRun.execute (the two phases, in lanes) → the verdict.
 */
import type { IoTClient } from '@aws-sdk/client-iot';
import { RunError } from '../util/errors.js';
import { DeleteSteps, type DeleteOutcome } from './delete-steps.js';
import { CleanupAborted, classifyError, describeError, IotCaller } from './iot-api.js';
import { Pacer } from './pacer.js';
import type { CleanupPlan } from './plan.js';
import { emptyState, readCleanupState, writeCleanupState, type CleanupFailure, type CleanupState, type CleanupStatus } from './progress.js';

/** AWS's list APIs (ListThingPrincipals, ListPrincipalThings, ListThings) default to 10 TPS. */
export const DEFAULT_CLEANUP_RATE = 10;

export interface CleanupOptions {
  plan: CleanupPlan;
  client: IoTClient;
  /** where the calls go, for cleanup.json: a region or an endpoint URL */
  targetLabel: string;
  /** calls per second per API (default 10) */
  rate?: number;
  /** resources worked on at once (default 4) */
  concurrency?: number;
  signal?: AbortSignal;
  onProgress?: (p: CleanupProgress) => void;
  retry?: { maxAttempts: number; baseMs: number; maxMs: number };
  /** attempts of a delete that still finds an attachment (AWS detaches asynchronously) */
  conflictAttempts?: number;
}

export interface CleanupProgress {
  phase: 'things' | 'certificates';
  total: number;
  done: number;
  failed: number;
  requests: number;
  throttled: number;
  elapsedMs: number;
}

export interface CleanupResult {
  status: Exclude<CleanupStatus, 'running'>;
  deleted: { things: number; certificates: number };
  alreadyGone: { things: number; certificates: number };
  /** done by an earlier cleanup of this run (no call made) */
  skipped: { things: number; certificates: number };
  failed: CleanupFailure[];
  policiesDetached: Record<string, number>;
  requests: number;
  throttled: number;
  retries: number;
  durationMs: number;
}

/** What a cleanup of this run would still delete (for --dry-run). */
export function pendingWork(plan: CleanupPlan): { things: string[]; certificates: string[] } {
  const state = readCleanupState(plan.runDir);
  const doneThings = new Set(state?.done.things ?? []);
  const doneCerts = new Set(state?.done.certificates ?? []);
  return { things: plan.things.filter((t) => !doneThings.has(t)), certificates: plan.certificates.filter((c) => !doneCerts.has(c)) };
}

/** Resources worked on at once when the caller does not say. */
const DEFAULT_CONCURRENCY = 4;
/** Attempts of a delete that still finds an attachment, when the caller does not say. */
const DEFAULT_CONFLICT_ATTEMPTS = 6;

/** Where a cleanup starts: cleanup.json's state (or a new one), what is left to delete, and the result so far. */
interface Resumed {
  state: CleanupState;
  done: { things: Set<string>; certificates: Set<string> };
  todo: { things: string[]; certificates: string[] };
  result: CleanupResult;
}

/** Step 1: pick up where an earlier cleanup of this run stopped. */
function resume(plan: CleanupPlan, prior: CleanupState | undefined, targetLabel: string): Resumed {
  const state: CleanupState = prior ?? emptyState(plan.runId, targetLabel);
  state.status = 'running';
  state.failed = [];
  const done = { things: new Set(state.done.things), certificates: new Set(state.done.certificates) };
  const todo = { things: plan.things.filter((t) => !done.things.has(t)), certificates: plan.certificates.filter((c) => !done.certificates.has(c)) };
  const result: CleanupResult = {
    status: 'completed',
    deleted: { things: 0, certificates: 0 },
    alreadyGone: { things: 0, certificates: 0 },
    skipped: { things: plan.things.length - todo.things.length, certificates: plan.certificates.length - todo.certificates.length },
    failed: [],
    policiesDetached: {},
    requests: 0,
    throttled: 0,
    retries: 0,
    durationMs: 0,
  };
  return { state, done, todo, result };
}

type Phase = 'things' | 'certificates';

/** One cleanup once it has work to do: the phases, the progress file, and when to give up. */
class CleanupRun {
  private readonly stop = new AbortController();
  private readonly caller: IotCaller;
  private readonly steps: DeleteSteps;
  /** an error no further call can get past (credentials, endpoint, permissions) */
  private systemic: unknown;
  private lastSave = 0;

  constructor(
    private readonly o: CleanupOptions,
    sdk: typeof import('@aws-sdk/client-iot'),
    private readonly prior: CleanupState | undefined,
    private readonly r: Resumed,
    private readonly t0: number,
  ) {
    this.caller = new IotCaller(new Pacer(o.rate ?? DEFAULT_CLEANUP_RATE), this.stop.signal, o.retry);
    this.steps = new DeleteSteps({
      sdk,
      client: o.client,
      caller: this.caller,
      conflictAttempts: o.conflictAttempts ?? DEFAULT_CONFLICT_ATTEMPTS,
      onPolicyDetached: (name) => {
        r.state.policiesDetached[name] = (r.state.policiesDetached[name] ?? 0) + 1;
        r.result.policiesDetached[name] = (r.result.policiesDetached[name] ?? 0) + 1;
      },
    });
  }

  /** Step 2: things first (so certificates are detached from them), then certificates; then the verdict. */
  async execute(): Promise<CleanupResult> {
    const { result } = this.r;
    const onAbort = () => this.stop.abort();
    this.o.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      await this.runPhase('things', this.r.todo.things, (name) => this.steps.deleteThing(name));
      if (!this.stop.signal.aborted) await this.runPhase('certificates', this.r.todo.certificates, (id) => this.steps.deleteCertificate(id));
    } finally {
      this.o.signal?.removeEventListener('abort', onAbort);
      result.status = this.stop.signal.aborted ? 'interrupted' : result.failed.length > 0 ? 'incomplete' : 'completed';
      this.r.state.status = result.status;
      this.r.state.failed = result.failed;
      this.saveState(true);
    }
    const stats = this.caller.stats;
    Object.assign(result, { requests: stats.requests, throttled: stats.throttled, retries: stats.retries, durationMs: this.elapsed() });
    if (this.systemic !== undefined) {
      throw new RunError('CLEANUP_FAILED', `cleanup stopped: ${describeError(this.systemic)}`, {
        hint: 'check credentials, region and endpoint; what was already deleted is recorded in cleanup.json, so a rerun continues from there',
        cause: this.systemic,
      });
    }
    return result;
  }

  private elapsed(): number {
    return performance.now() - this.t0;
  }

  /** Write cleanup.json: at most every 500 ms unless `force`. */
  private saveState(force: boolean): void {
    if (!force && performance.now() - this.lastSave < 500) return;
    this.lastSave = performance.now();
    const { state, done } = this.r;
    const p = this.prior;
    const stats = this.caller.stats;
    Object.assign(state, { requests: (p?.requests ?? 0) + stats.requests, throttled: (p?.throttled ?? 0) + stats.throttled, retries: (p?.retries ?? 0) + stats.retries });
    state.done = { things: [...done.things], certificates: [...done.certificates] };
    writeCleanupState(this.o.plan.runDir, state);
  }

  /** Stop everything: the error is not about one resource. */
  private giveUp(err: unknown): void {
    this.systemic = err;
    this.stop.abort();
  }

  /** Work through `items` in `concurrency` lanes, counting each outcome and reporting progress. */
  private async runPhase(phase: Phase, items: string[], work: (x: string) => Promise<DeleteOutcome>): Promise<void> {
    const { result } = this.r;
    const done = this.r.done[phase];
    let finished = 0;
    let failed = 0;
    let next = 0;
    const reportProgress = () =>
      this.o.onProgress?.({ phase, total: items.length, done: finished, failed, requests: this.caller.stats.requests, throttled: this.caller.stats.throttled, elapsedMs: this.elapsed() });
    reportProgress();
    const runLane = async () => {
      while (next < items.length && !this.stop.signal.aborted) {
        const item = items[next++] as string;
        try {
          const outcome = await work(item);
          done.add(item);
          if (outcome === 'deleted') result.deleted[phase]++;
          else result.alreadyGone[phase]++;
        } catch (err) {
          if (err instanceof CleanupAborted || this.stop.signal.aborted) return;
          if (classifyError(err) === 'systemic') return this.giveUp(err);
          failed++;
          result.failed.push({ resource: `${phase === 'things' ? 'thing' : 'cert'}/${item}`, message: describeError(err) });
          // nothing has worked yet: the endpoint, credentials or permissions are wrong, not one resource
          if (result.failed.length >= 3 && nothingSucceeded(result)) return this.giveUp(err);
        }
        finished++;
        reportProgress();
        this.saveState(false);
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, Math.min(this.o.concurrency ?? DEFAULT_CONCURRENCY, items.length)) }, runLane));
  }
}

function nothingSucceeded(r: CleanupResult): boolean {
  return r.deleted.things + r.deleted.certificates + r.alreadyGone.things + r.alreadyGone.certificates === 0;
}

/** Delete what the run created and is not yet deleted; progress is kept in cleanup.json so a rerun continues. */
export async function runCleanup(o: CleanupOptions): Promise<CleanupResult> {
  const t0 = performance.now();
  const sdk = await import('@aws-sdk/client-iot');
  const prior = readCleanupState(o.plan.runDir);
  const resumed = resume(o.plan, prior, o.targetLabel);
  const { todo, result } = resumed;
  if (todo.things.length === 0 && todo.certificates.length === 0 && prior?.status === 'completed') {
    result.durationMs = performance.now() - t0;
    return result; // nothing left: not even cleanup.json changes
  }
  return new CleanupRun(o, sdk, prior, resumed, t0).execute();
}
