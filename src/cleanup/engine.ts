/**
 * `fleetsim cleanup`: delete exactly the things and certificates a run created.
 *
 * things:        ListThingPrincipals → DetachThingPrincipal (each) → DeleteThing
 * certificates:  ListAttachedPolicies → DetachPolicy (each) → UpdateCertificate INACTIVE → DeleteCertificate
 *
 * Things go first, so certificates are already detached from them. ResourceNotFound means "already
 * gone", which makes every step idempotent; detaching is eventually consistent in AWS, so a delete
 * that still finds an attachment is retried with backoff. Policies are shared by every device the
 * template provisioned and are never deleted. Progress is kept in cleanup.json.
 */
import type { IoTClient } from '@aws-sdk/client-iot';
import { RunError } from '../util/errors.js';
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

type Verdict = 'deleted' | 'gone';

export async function runCleanup(o: CleanupOptions): Promise<CleanupResult> {
  const t0 = performance.now();
  const { plan } = o;
  const {
    DeleteCertificateCommand,
    DeleteThingCommand,
    DescribeCertificateCommand,
    DetachPolicyCommand,
    DetachThingPrincipalCommand,
    ListAttachedPoliciesCommand,
    ListPrincipalThingsCommand,
    ListThingPrincipalsCommand,
    UpdateCertificateCommand,
  } = await import('@aws-sdk/client-iot');
  const prior = readCleanupState(plan.runDir);
  const state: CleanupState = prior ?? emptyState(plan.runId, o.targetLabel);
  state.status = 'running';
  state.failed = [];
  const doneThings = new Set(state.done.things);
  const doneCerts = new Set(state.done.certificates);
  const things = plan.things.filter((t) => !doneThings.has(t));
  const certs = plan.certificates.filter((c) => !doneCerts.has(c));
  const result: CleanupResult = {
    status: 'completed',
    deleted: { things: 0, certificates: 0 },
    alreadyGone: { things: 0, certificates: 0 },
    skipped: { things: plan.things.length - things.length, certificates: plan.certificates.length - certs.length },
    failed: [],
    policiesDetached: {},
    requests: 0,
    throttled: 0,
    retries: 0,
    durationMs: 0,
  };
  if (things.length === 0 && certs.length === 0 && prior?.status === 'completed') {
    result.durationMs = performance.now() - t0;
    return result; // nothing left: not even cleanup.json changes
  }

  const stop = new AbortController();
  const onAbort = () => stop.abort();
  o.signal?.addEventListener('abort', onAbort, { once: true });
  let systemic: unknown;
  const caller = new IotCaller(new Pacer(o.rate ?? DEFAULT_CLEANUP_RATE), stop.signal, o.retry);
  const client = o.client;
  const conflictAttempts = o.conflictAttempts ?? 6;
  const arnOf = new Map<string, string>();
  let lastSave = 0;
  const saveState = (force: boolean) => {
    if (!force && performance.now() - lastSave < 500) return;
    lastSave = performance.now();
    Object.assign(state, { requests: (prior?.requests ?? 0) + caller.stats.requests, throttled: (prior?.throttled ?? 0) + caller.stats.throttled, retries: (prior?.retries ?? 0) + caller.stats.retries });
    state.done = { things: [...doneThings], certificates: [...doneCerts] };
    writeCleanupState(plan.runDir, state);
  };

  /** NotFound → undefined; anything else is thrown. */
  const awaitUnlessGone = async <T>(p: Promise<T>): Promise<T | undefined> => {
    try {
      return await p;
    } catch (err) {
      if (classifyError(err) === 'not-found') return undefined;
      throw err;
    }
  };

  async function listThingPrincipals(name: string): Promise<string[] | undefined> {
    const out: string[] = [];
    let nextToken: string | undefined;
    do {
      const page = await awaitUnlessGone(caller.call('ListThingPrincipals', (abortSignal) => client.send(new ListThingPrincipalsCommand({ thingName: name, nextToken }), { abortSignal })));
      if (page === undefined) return undefined;
      out.push(...(page.principals ?? []));
      nextToken = page.nextToken;
    } while (nextToken !== undefined);
    return out;
  }

  async function detachPrincipals(name: string): Promise<boolean> {
    const principals = await listThingPrincipals(name);
    if (principals === undefined) return false;
    for (const p of principals) {
      const id = /cert\/([0-9a-f]{64})$/.exec(p)?.[1];
      if (id !== undefined) arnOf.set(id, p);
      await awaitUnlessGone(caller.call('DetachThingPrincipal', (abortSignal) => client.send(new DetachThingPrincipalCommand({ thingName: name, principal: p }), { abortSignal })));
    }
    return true;
  }

  /** Retry `fn` while it fails with an attachment or state conflict (AWS detaches asynchronously). */
  async function withConflictRetry<T>(fn: (attempt: number) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await fn(attempt);
      } catch (err) {
        if (classifyError(err) !== 'conflict' || attempt >= conflictAttempts) throw err;
        await caller.backoff(attempt);
      }
    }
  }

  async function deleteThing(name: string): Promise<Verdict> {
    if (!(await detachPrincipals(name))) return 'gone';
    await withConflictRetry(async (attempt) => {
      if (attempt > 1 && !(await detachPrincipals(name))) return;
      await caller.call('DeleteThing', (abortSignal) => client.send(new DeleteThingCommand({ thingName: name }), { abortSignal }));
    });
    return 'deleted';
  }

  async function certificateArn(id: string): Promise<string | undefined> {
    const known = arnOf.get(id);
    if (known !== undefined) return known;
    const d = await awaitUnlessGone(caller.call('DescribeCertificate', (abortSignal) => client.send(new DescribeCertificateCommand({ certificateId: id }), { abortSignal })));
    return d?.certificateDescription?.certificateArn;
  }

  async function deleteCertificate(id: string): Promise<Verdict> {
    const arn = await certificateArn(id);
    if (arn === undefined) return 'gone';
    const policies: string[] = [];
    let marker: string | undefined;
    do {
      const page = await awaitUnlessGone(caller.call('ListAttachedPolicies', (abortSignal) => client.send(new ListAttachedPoliciesCommand({ target: arn, marker, pageSize: 250 }), { abortSignal })));
      if (page === undefined) return 'gone';
      for (const p of page.policies ?? []) if (p.policyName !== undefined) policies.push(p.policyName);
      marker = page.nextMarker;
    } while (marker !== undefined);
    for (const name of policies) {
      await awaitUnlessGone(caller.call('DetachPolicy', (abortSignal) => client.send(new DetachPolicyCommand({ policyName: name, target: arn }), { abortSignal })));
      state.policiesDetached[name] = (state.policiesDetached[name] ?? 0) + 1;
      result.policiesDetached[name] = (result.policiesDetached[name] ?? 0) + 1;
    }
    const deactivate = async (): Promise<boolean> => {
      try {
        await caller.call('UpdateCertificate', (abortSignal) => client.send(new UpdateCertificateCommand({ certificateId: id, newStatus: 'INACTIVE' }), { abortSignal }));
      } catch (err) {
        const cls = classifyError(err);
        if (cls === 'not-found') return false;
        if (cls !== 'conflict') throw err; // e.g. REVOKED: cannot change, but can be deleted
      }
      return true;
    };
    if (!(await deactivate())) return 'gone';
    let gone = false;
    await withConflictRetry(async (attempt) => {
      if (attempt > 1) {
        // still attached to a thing (one this run did not record, or a detach not yet visible), or still ACTIVE
        const attached = await awaitUnlessGone(caller.call('ListPrincipalThings', (abortSignal) => client.send(new ListPrincipalThingsCommand({ principal: arn }), { abortSignal })));
        for (const t of attached?.things ?? []) {
          await awaitUnlessGone(caller.call('DetachThingPrincipal', (abortSignal) => client.send(new DetachThingPrincipalCommand({ thingName: t, principal: arn }), { abortSignal })));
        }
        if (!(await deactivate())) {
          gone = true;
          return;
        }
      }
      const r = await awaitUnlessGone(caller.call('DeleteCertificate', (abortSignal) => client.send(new DeleteCertificateCommand({ certificateId: id }), { abortSignal })));
      if (r === undefined) gone = true;
    });
    return gone ? 'gone' : 'deleted';
  }

  const measureElapsed = () => performance.now() - t0;
  async function runPhase(phase: 'things' | 'certificates', items: string[], work: (x: string) => Promise<Verdict>, done: Set<string>): Promise<void> {
    let finished = 0;
    let failed = 0;
    let next = 0;
    const reportProgress = () =>
      o.onProgress?.({ phase, total: items.length, done: finished, failed, requests: caller.stats.requests, throttled: caller.stats.throttled, elapsedMs: measureElapsed() });
    reportProgress();
    const runLane = async () => {
      while (next < items.length && !stop.signal.aborted) {
        const item = items[next++] as string;
        try {
          const verdict = await work(item);
          done.add(item);
          if (verdict === 'deleted') result.deleted[phase]++;
          else result.alreadyGone[phase]++;
        } catch (err) {
          if (err instanceof CleanupAborted || stop.signal.aborted) return;
          if (classifyError(err) === 'systemic') {
            systemic = err;
            stop.abort();
            return;
          }
          failed++;
          result.failed.push({ resource: `${phase === 'things' ? 'thing' : 'cert'}/${item}`, message: describeError(err) });
          if (result.failed.length >= 3 && result.deleted.things + result.deleted.certificates + result.alreadyGone.things + result.alreadyGone.certificates === 0) {
            // nothing has worked yet: the endpoint, credentials or permissions are wrong, not one resource
            systemic = err;
            stop.abort();
            return;
          }
        }
        finished++;
        reportProgress();
        saveState(false);
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, Math.min(o.concurrency ?? 4, items.length)) }, runLane));
  }

  try {
    await runPhase('things', things, deleteThing, doneThings);
    if (!stop.signal.aborted) await runPhase('certificates', certs, deleteCertificate, doneCerts);
  } finally {
    o.signal?.removeEventListener('abort', onAbort);
    result.status = stop.signal.aborted ? 'interrupted' : result.failed.length > 0 ? 'incomplete' : 'completed';
    state.status = result.status;
    state.failed = result.failed;
    saveState(true);
  }
  Object.assign(result, { requests: caller.stats.requests, throttled: caller.stats.throttled, retries: caller.stats.retries, durationMs: measureElapsed() });
  if (systemic !== undefined) {
    throw new RunError('CLEANUP_FAILED', `cleanup stopped: ${describeError(systemic)}`, {
      hint: 'check credentials, region and endpoint; what was already deleted is recorded in cleanup.json, so a rerun continues from there',
      cause: systemic,
    });
  }
  return result;
}
