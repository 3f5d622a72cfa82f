/**
 * A run against AWS creates real, billed resources. Above a small fleet it needs an explicit
 * confirmation, and the refusal says exactly what the run would have created.
 */
import type { Scenario } from '../scenario/schema.js';
import { InputError } from '../util/errors.js';
import { regionOfEndpoint } from '../target/aws.js';

/** Runs of more devices than this against AWS need --confirm or target.confirm: true. */
export const AWS_CONFIRM_THRESHOLD = 100;

/** One sentence: what a run of this scenario creates in the AWS account. */
export function describeAwsCreation(s: Scenario, devices = s.fleet.devices): string {
  if (s.target.type !== 'aws') return '';
  const region = s.target.region ?? regionOfEndpoint(s.target.endpoint);
  const where = `${s.target.endpoint}${region === undefined ? '' : ` (${region})`}`;
  return (
    `up to ${devices} thing${devices === 1 ? '' : 's'} and ${devices} certificate${devices === 1 ? '' : 's'} (one of each per device) on ${where}, ` +
    `through provisioning template ${s.fleet.templateName}; the policies the template names or creates are shared by every device` +
    (s.flow.claim === 'trusted-user' ? `; and up to ${devices} temporary claim certificate${devices === 1 ? '' : 's'} (CreateProvisioningClaim), which expire on their own` : '')
  );
}

/** Throws an InputError (exit 2) when a large AWS run has not been confirmed. */
export function checkAwsConfirmation(s: Scenario, opts: { confirm: boolean; dryRun?: boolean }): void {
  if (s.target.type !== 'aws' || opts.dryRun === true) return;
  if (s.fleet.devices <= AWS_CONFIRM_THRESHOLD || opts.confirm || s.target.confirm) return;
  throw new InputError(`refusing to provision ${s.fleet.devices} devices on AWS without confirmation`, {
    issues: [
      {
        path: 'target.confirm',
        message: `more than ${AWS_CONFIRM_THRESHOLD} devices against AWS needs --confirm (or target.confirm: true); this run would create ${describeAwsCreation(s)}`,
      },
    ],
    hint: 'check credentials and template first with `fleetsim run <scenario> --dry-run`; remove what a run created with `fleetsim cleanup <run-dir>`',
  });
}
