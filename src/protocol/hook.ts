/**
 * The pre-provisioning hook as AWS IoT calls it (aws-fleet-provisioning.md §4.6), shared by the
 * emulator (which runs hooks) and the device side (which reads a hook failure out of a rejected
 * RegisterThing). Same statuses as quotas.ts: documented = a public AWS page says so; assumed =
 * our choice where AWS is silent. Correct a value here and nowhere else.
 *
 * Sources:
 * - HOOK: https://docs.aws.amazon.com/iot/latest/developerguide/pre-provisioning-hook.html
 * - LAMBDA-CONC: Lambda reserved concurrency (https://docs.aws.amazon.com/lambda/latest/dg/configuration-concurrency.html)
 * - LAMBDA-ENV: Lambda execution environment lifecycle (https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtime-environment.html)
 */
import type { QuotaStatus } from './quotas.js';
import type { RejectionKind } from './rejections.js';

export interface HookFact<T> {
  value: T;
  status: QuotaStatus;
  source: string;
  note?: string;
}

/** How long the hook may take before RegisterThing fails. */
export const HOOK_TIMEOUT: HookFact<number> = {
  value: 5000,
  status: 'documented',
  source: 'HOOK: "The Lambda function must return within 5 seconds, otherwise the request fails" (archived EN, current JA)',
};

/** The fields of the event AWS IoT sends the hook (payloadVersion 2020-04-01). */
export const HOOK_EVENT_FIELDS: HookFact<readonly string[]> = {
  value: ['claimCertificateId', 'certificateId', 'certificatePem', 'templateArn', 'clientId', 'parameters'],
  status: 'documented',
  source: 'HOOK "Pre-provision hook input"',
  note: 'clientId being the MQTT client ID of the requesting connection is inferred, not stated',
};

/** What RegisterThing answers when the hook does not allow the device. */
export type HookFailureCase = 'denied' | 'error' | 'timeout' | 'throttled';

export const HOOK_FAILURE_ANSWERS: Record<HookFailureCase, HookFact<RejectionKind>> = {
  denied: {
    value: 'accessDenied',
    status: 'documented',
    source: 'HOOK: allowProvisioning not true → the request fails with ACCESS_DENIED',
    note: 'the wire statusCode/errorCode pair (403 AccessDenied) is assumed: see rejections.ts',
  },
  error: {
    value: 'accessDenied',
    status: 'documented',
    source: 'HOOK: a Lambda error fails the request with ACCESS_DENIED and is logged to CloudWatch Logs',
    note: 'the wire statusCode/errorCode pair is assumed, as for denied',
  },
  timeout: {
    value: 'accessDenied',
    status: 'assumed',
    source: 'HOOK says only that the request fails after 5 s; that it fails as a Lambda error does (ACCESS_DENIED) is our assumption',
  },
  throttled: {
    value: 'accessDenied',
    status: 'assumed',
    source:
      'LAMBDA-CONC: an invocation beyond reserved concurrency is throttled (TooManyRequestsException); what AWS IoT answers then is not documented: we fail it as a Lambda error (ACCESS_DENIED), not as a 429 a device would retry',
  },
};

/** Lambda's error type for a throttled invocation (LAMBDA-CONC; documented). */
export const LAMBDA_THROTTLE_ERROR = 'TooManyRequestsException';

/** Lambda does not reuse an execution environment whose invocation timed out (LAMBDA-ENV; documented: the environment is reset). */
export const LAMBDA_TIMEOUT_RESETS_ENVIRONMENT: HookFact<boolean> = {
  value: true,
  status: 'documented',
  source: 'LAMBDA-ENV "Failures during the invoke phase": after a timeout Lambda resets the execution environment',
};

/**
 * The errorMessage of a RegisterThing rejected because of the hook. AWS's wording is not
 * documented (status: assumed; the current HOOK page says only that the error "will be returned in
 * the response"): this is fleetsim's own text, `Pre-provisioning hook failed (<errorType>): <message>`,
 * so a device of ours can name the hook's errorType in its failure reason.
 */
export function hookFailureMessage(errorType: string, errorMessage: string): string {
  const msg = errorMessage.replace(/\s+/g, ' ').trim();
  return `Pre-provisioning hook failed (${errorType}): ${msg.length > 200 ? `${msg.slice(0, 200)}...` : msg}`;
}

const HOOK_FAILURE = /^Pre-provisioning hook failed \(([^()\s]{1,80})\)(?:: (.*))?$/s;

/** The hook's errorType and message out of a rejection's errorMessage, when it is one of ours. */
export function parseHookFailure(errorMessage: string | undefined): { errorType: string; errorMessage: string } | undefined {
  if (errorMessage === undefined) return undefined;
  const m = HOOK_FAILURE.exec(errorMessage);
  return m === null ? undefined : { errorType: m[1]!, errorMessage: m[2] ?? '' };
}
