/** `fleetsim init aws`: write a starter scenario, template and policies; print the AWS CLI setup. */
import path from 'node:path';
import { buildInitFiles, checkInitOptions, setupCommands, writeInitFiles, APP_POLICY_FILE, SCENARIO_FILE, SETUP_SCRIPT } from '../../index.js';
import { ExitCode } from '../exit-codes.js';
import { out, reportError } from '../output.js';
import { fleetsimCommand, shownPath } from '../self.js';

export interface InitArgs {
  dir: string;
  region: string | undefined;
  templateName: string;
  accountId: string | undefined;
  force: boolean;
}

export function commandInitAws(a: InitArgs): number {
  try {
    const opts = {
      templateName: a.templateName,
      ...(a.region === undefined ? {} : { region: a.region }),
      ...(a.accountId === undefined ? {} : { accountId: a.accountId }),
    };
    checkInitOptions(opts);
    const written = writeInitFiles(a.dir, buildInitFiles(opts), { force: a.force });
    const dir = shownPath(path.resolve(a.dir));
    const fleetsim = fleetsimCommand();
    out(`wrote ${written.length} files to ${path.resolve(a.dir)}:`);
    for (const f of written) out(`  ${shownPath(f)}`);
    out(`(${path.join(dir, '.gitignore')} keeps the claim certificate's private key, written to ${path.join(dir, 'claim')}/ by the setup, out of git)`);
    out('');
    out('One-time AWS setup: review the script, then run it with AWS CLI v2 credentials that may manage IAM roles and AWS IoT:');
    out('');
    out(`  sh ${path.join(dir, SETUP_SCRIPT)}`);
    out('');
    out(`It runs these commands in ${dir}/:`);
    for (const line of setupCommands(opts).split('\n')) out(`    ${line}`);
    out('');
    if (a.region === undefined || a.accountId === undefined) {
      out('note: the policies use * for the region and/or account; pass --region and --account-id to pin them.');
    }
    // the scenario's run folders go to reports/ beside the folder that holds it (report.dir)
    const reports = shownPath(path.resolve(a.dir, '..', 'reports'));
    out('Then, from here:');
    out('  export FLEETSIM_IOT_ENDPOINT=$(aws iot describe-endpoint --endpoint-type iot:Data-ATS --query endpointAddress --output text)');
    out(`  ${fleetsim} run ${path.join(dir, SCENARIO_FILE)} --dry-run     # one device, every step`);
    out(`  ${fleetsim} run ${path.join(dir, SCENARIO_FILE)}               # >100 devices need --confirm`);
    out(`  ${fleetsim} cleanup ${path.join(reports, '<run-id>')}          # delete what the run created`);
    out('fleetsim itself needs no IAM permissions to run; cleanup needs iot:List*, iot:Detach*, iot:UpdateCertificate, iot:Delete{Thing,Certificate}.');
    out('With flow.claim: trusted-user, the credentials fleetsim runs with play the installer app; they need');
    out(`${path.join(dir, APP_POLICY_FILE)} (iot:CreateProvisioningClaim on the template).`);
    return ExitCode.Pass;
  } catch (e) {
    return reportError(e);
  }
}
