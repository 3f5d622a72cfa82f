/** `fleetsim run <scenario> --dry-run`: one device, every step printed as it ends. */
import type { ChalkInstance } from 'chalk';
import { appPermission, describeFlow, dryRunScenario, regionOfEndpoint, targetStarter, type LoadedScenario } from '../../index.js';
import { ExitCode } from '../exit-codes.js';
import { out } from '../output.js';

export interface DryRunArgs {
  out: string | undefined;
  runId: string | undefined;
  saveCredentials: string | undefined;
  signal: AbortSignal;
  color: ChalkInstance;
}

const formatMs = (ms: number): string => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(0)} ms`);

export async function commandDryRun(loaded: LoadedScenario, a: DryRunArgs): Promise<number> {
  const c = a.color;
  const s = loaded.scenario;
  const { result, runDir } = await dryRunScenario({
    loaded,
    startTarget: targetStarter(loaded),
    ...(a.out === undefined ? {} : { outDir: a.out }),
    ...(a.runId === undefined ? {} : { runId: a.runId }),
    ...(a.saveCredentials === undefined ? {} : { saveCredentialsDir: a.saveCredentials }),
    signal: a.signal,
    onTarget: (label) => {
      out(`dry run: 1 device against ${label}, template ${s.fleet.templateName}, ${s.flow.certificate === 'csr' ? 'CreateCertificateFromCsr' : 'CreateKeysAndCertificate'}, MQTT ${s.flow.mqttVersion === 5 ? '5' : '3.1.1'}, no retries`);
      out(`  ${describeFlow(s)}`);
      if (s.flow.claim === 'trusted-user' && s.target.type === 'aws') {
        const region = s.target.region ?? regionOfEndpoint(s.target.endpoint) ?? '<region>';
        out(`  the app signs CreateProvisioningClaim with the AWS SDK's default credentials; they need ${appPermission(region, s.fleet.templateName)}`);
      }
    },
    onStep: (st) => {
      const mark = st.ok ? c.green('ok') : c.red('FAILED');
      out(`  ${st.step.padEnd(25)} ${formatMs(st.ms).padStart(9)}  ${mark}${st.detail === undefined ? '' : `  ${st.detail}`}`);
    },
  });
  out('');
  if (result.outcome.kind === 'provisioned') {
    out(`${c.green('provisioned')} in ${formatMs(result.totalMs)}: client ID ${result.clientId}, thing ${result.thingName ?? '(none)'}, certificate ${result.certificateId ?? '?'}`);
  } else {
    out(`${c.red(result.outcome.kind)}: ${result.outcome.reason} (client ID ${result.clientId})`);
  }
  const created = result.created.things.length + result.created.certificates.length;
  out(`record: ${runDir}/dry-run.json`);
  if (created > 0 && s.target.type === 'aws') out(`created on AWS: ${result.created.things.length} thing, ${result.created.certificates.length} certificate; remove with: fleetsim cleanup ${runDir}`);
  if (a.saveCredentials !== undefined && result.credentialsSaved === true) out(`credentials: ${a.saveCredentials} (mode 0600)`);
  if (result.outcome.kind === 'dropped') return ExitCode.Interrupted;
  return result.outcome.kind === 'provisioned' ? ExitCode.Pass : ExitCode.RunFailed;
}
