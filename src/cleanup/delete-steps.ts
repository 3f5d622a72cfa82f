/**
 * Deleting one thing or one certificate, step by step (engine.ts runs them over a run's list):
 *
 * thing:        ListThingPrincipals → DetachThingPrincipal (each) → DeleteThing
 * certificate:  (DescribeCertificate for its ARN) → ListAttachedPolicies → DetachPolicy (each)
 *               → UpdateCertificate INACTIVE → DeleteCertificate
 *
 * ResourceNotFound at any step means "already gone". A delete that still finds an attachment (AWS
 * detaches asynchronously) is retried with backoff after detaching again.
 */
import type { IoTClient } from '@aws-sdk/client-iot';
import { classifyError, type IotCaller } from './iot-api.js';

type IotSdk = typeof import('@aws-sdk/client-iot');

/** What deleting a resource found: it deleted it, or it was already gone. */
export type DeleteOutcome = 'deleted' | 'gone';

export interface DeleteStepsOptions {
  sdk: IotSdk;
  client: IoTClient;
  caller: IotCaller;
  /** attempts of a delete that still finds an attachment */
  conflictAttempts: number;
  /** a policy was detached from a certificate */
  onPolicyDetached: (policyName: string) => void;
}

/** NotFound → undefined; anything else is thrown. */
async function unlessGone<T>(p: Promise<T>): Promise<T | undefined> {
  try {
    return await p;
  } catch (err) {
    if (classifyError(err) === 'not-found') return undefined;
    throw err;
  }
}

export class DeleteSteps {
  /** certificate ID → ARN, learnt from the things' principals (saves a DescribeCertificate) */
  private readonly arnOf = new Map<string, string>();

  constructor(private readonly o: DeleteStepsOptions) {}

  /** One IoT API call, paced and retried by the caller. */
  private call<T>(api: string, send: (client: IoTClient, sdk: IotSdk, abortSignal: AbortSignal | undefined) => Promise<T>): Promise<T> {
    return this.o.caller.call(api, (abortSignal) => send(this.o.client, this.o.sdk, abortSignal));
  }

  async deleteThing(name: string): Promise<DeleteOutcome> {
    if (!(await this.detachPrincipals(name))) return 'gone';
    await this.withConflictRetry(async (attempt) => {
      if (attempt > 1 && !(await this.detachPrincipals(name))) return;
      await this.call('DeleteThing', (c, s, abortSignal) => c.send(new s.DeleteThingCommand({ thingName: name }), { abortSignal }));
    });
    return 'deleted';
  }

  async deleteCertificate(id: string): Promise<DeleteOutcome> {
    const arn = await this.certificateArn(id);
    if (arn === undefined) return 'gone';
    const policies = await this.attachedPolicies(arn);
    if (policies === undefined) return 'gone';
    await this.detachPolicies(arn, policies);
    if (!(await this.deactivate(id))) return 'gone';
    return (await this.deleteDeactivated(id, arn)) ? 'deleted' : 'gone';
  }

  /** The thing's principals; undefined when the thing is gone. */
  private async listThingPrincipals(name: string): Promise<string[] | undefined> {
    const out: string[] = [];
    let nextToken: string | undefined;
    do {
      const page = await unlessGone(this.call('ListThingPrincipals', (c, s, abortSignal) => c.send(new s.ListThingPrincipalsCommand({ thingName: name, nextToken }), { abortSignal })));
      if (page === undefined) return undefined;
      out.push(...(page.principals ?? []));
      nextToken = page.nextToken;
    } while (nextToken !== undefined);
    return out;
  }

  /** Detach every principal from the thing (remembering certificate ARNs); false when the thing is gone. */
  private async detachPrincipals(name: string): Promise<boolean> {
    const principals = await this.listThingPrincipals(name);
    if (principals === undefined) return false;
    for (const p of principals) {
      const id = /cert\/([0-9a-f]{64})$/.exec(p)?.[1];
      if (id !== undefined) this.arnOf.set(id, p);
      await unlessGone(this.call('DetachThingPrincipal', (c, s, abortSignal) => c.send(new s.DetachThingPrincipalCommand({ thingName: name, principal: p }), { abortSignal })));
    }
    return true;
  }

  /** Retry `fn` while it fails with an attachment or state conflict (AWS detaches asynchronously). */
  private async withConflictRetry<T>(fn: (attempt: number) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await fn(attempt);
      } catch (err) {
        if (classifyError(err) !== 'conflict' || attempt >= this.o.conflictAttempts) throw err;
        await this.o.caller.backoff(attempt);
      }
    }
  }

  private async certificateArn(id: string): Promise<string | undefined> {
    const known = this.arnOf.get(id);
    if (known !== undefined) return known;
    const d = await unlessGone(this.call('DescribeCertificate', (c, s, abortSignal) => c.send(new s.DescribeCertificateCommand({ certificateId: id }), { abortSignal })));
    return d?.certificateDescription?.certificateArn;
  }

  /** The names of the policies attached to the certificate; undefined when it is gone. */
  private async attachedPolicies(arn: string): Promise<string[] | undefined> {
    const policies: string[] = [];
    let marker: string | undefined;
    do {
      const page = await unlessGone(this.call('ListAttachedPolicies', (c, s, abortSignal) => c.send(new s.ListAttachedPoliciesCommand({ target: arn, marker, pageSize: 250 }), { abortSignal })));
      if (page === undefined) return undefined;
      for (const p of page.policies ?? []) if (p.policyName !== undefined) policies.push(p.policyName);
      marker = page.nextMarker;
    } while (marker !== undefined);
    return policies;
  }

  private async detachPolicies(arn: string, policies: string[]): Promise<void> {
    for (const name of policies) {
      await unlessGone(this.call('DetachPolicy', (c, s, abortSignal) => c.send(new s.DetachPolicyCommand({ policyName: name, target: arn }), { abortSignal })));
      this.o.onPolicyDetached(name);
    }
  }

  /** UpdateCertificate INACTIVE; false when the certificate is gone. A state conflict (e.g. REVOKED) still lets it be deleted. */
  private async deactivate(id: string): Promise<boolean> {
    try {
      await this.call('UpdateCertificate', (c, s, abortSignal) => c.send(new s.UpdateCertificateCommand({ certificateId: id, newStatus: 'INACTIVE' }), { abortSignal }));
    } catch (err) {
      const cls = classifyError(err);
      if (cls === 'not-found') return false;
      if (cls !== 'conflict') throw err;
    }
    return true;
  }

  /** DeleteCertificate, detaching it from things and deactivating it again between attempts; false when it turned out gone. */
  private async deleteDeactivated(id: string, arn: string): Promise<boolean> {
    let gone = false;
    await this.withConflictRetry(async (attempt) => {
      if (attempt > 1) {
        // still attached to a thing (one this run did not record, or a detach not yet visible), or still ACTIVE
        await this.detachFromThings(arn);
        if (!(await this.deactivate(id))) {
          gone = true;
          return;
        }
      }
      const r = await unlessGone(this.call('DeleteCertificate', (c, s, abortSignal) => c.send(new s.DeleteCertificateCommand({ certificateId: id }), { abortSignal })));
      if (r === undefined) gone = true;
    });
    return !gone;
  }

  private async detachFromThings(arn: string): Promise<void> {
    const attached = await unlessGone(this.call('ListPrincipalThings', (c, s, abortSignal) => c.send(new s.ListPrincipalThingsCommand({ principal: arn }), { abortSignal })));
    for (const t of attached?.things ?? []) {
      await unlessGone(this.call('DetachThingPrincipal', (c, s, abortSignal) => c.send(new s.DetachThingPrincipalCommand({ thingName: t, principal: arn }), { abortSignal })));
    }
  }
}
