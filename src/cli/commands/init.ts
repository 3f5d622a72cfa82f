/** `fleetsim init aws`: write a starter scenario, template and policies; print the AWS CLI setup. */
import path from 'node:path';
import { buildInitFiles, checkInitOptions, setupCommands, writeInitFiles, SCENARIO_FILE, SETUP_SCRIPT } from '../../index.js';
import { ExitCode } from '../exit-codes.js';
import { out, reportError } from '../output.js';

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
    out(`wrote ${written.length} files to ${path.resolve(a.dir)}:`);
    for (const f of written) out(`  ${path.relative(process.cwd(), f)}`);
    out('');
    out(`One-time AWS setup (also in ${path.join(a.dir, SETUP_SCRIPT)}; review it, then run it with AWS CLI v2 credentials that may manage IAM roles and AWS IoT):`);
    out('');
    for (const line of setupCommands(opts).split('\n')) out(`  ${line}`);
    out('');
    if (a.region === undefined || a.accountId === undefined) {
      out('note: the policies use * for the region and/or account; pass --region and --account-id to pin them.');
    }
    out('Then:');
    out('  export FLEETSIM_IOT_ENDPOINT=<the describe-endpoint address above>');
    out(`  npx fleetsim run ${path.join(a.dir, SCENARIO_FILE)} --dry-run     # one device, every step`);
    out(`  npx fleetsim run ${path.join(a.dir, SCENARIO_FILE)}               # >100 devices need --confirm`);
    out('  npx fleetsim cleanup reports/<run-id>                              # delete what the run created');
    out('fleetsim itself needs no IAM permissions to run; cleanup needs iot:List*, iot:Detach*, iot:UpdateCertificate, iot:Delete{Thing,Certificate}.');
    return ExitCode.Pass;
  } catch (e) {
    return reportError(e);
  }
}
