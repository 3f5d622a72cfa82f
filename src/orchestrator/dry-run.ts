/**
 * `fleetsim run --dry-run`: one device, in this thread, through the whole flow with no retries,
 * every step reported as it ends. For checking credentials, endpoint and template before a big
 * run. What it created is recorded in `<run-dir>/dry-run.json`, so `fleetsim cleanup` can remove it.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { closeAppClients, loadAppSdk } from '../device/app-claim.js';
import type { StepObservation } from '../device/types.js';
import { MetricsRecorder, type Outcome } from '../metrics/recorder.js';
import { redactScenario, type LoadedScenario } from '../scenario/load.js';
import { CredentialsWriter, prepareCredentialsDir } from './credentials.js';
import { deviceTargetFor } from './device-target.js';
import { newRunId, type StartedTarget } from './run.js';

export const DRY_RUN_FILE = 'dry-run.json';

export interface DryRunOptions {
  loaded: LoadedScenario;
  startTarget: () => Promise<StartedTarget>;
  outDir?: string;
  runId?: string;
  signal?: AbortSignal;
  saveCredentialsDir?: string;
  /** called as each step attempt ends */
  onStep?: (o: StepObservation) => void;
  /** called once the target is up */
  onTarget?: (label: string) => void;
}

export interface DryRunResult {
  kind: 'dry-run';
  schemaVersion: 1;
  runId: string;
  startedAt: string;
  endedAt: string;
  target: string;
  clientId: string;
  outcome: Outcome;
  totalMs: number;
  steps: StepObservation[];
  thingName?: string;
  certificateId?: string;
  /** what the device created on the target, for `fleetsim cleanup` (no private keys) */
  created: { things: string[]; certificates: string[] };
  credentialsSaved?: boolean;
}

export async function dryRunScenario(o: DryRunOptions): Promise<{ result: DryRunResult; runDir: string }> {
  const s = o.loaded.scenario;
  const runId = o.runId ?? `${newRunId()}-dry-run`;
  const outDir = path.resolve(o.outDir ?? path.resolve(o.loaded.baseDir, '..', s.report.dir));
  const runDir = path.join(outDir, runId);
  mkdirSync(runDir, { recursive: true });
  const writer = o.saveCredentialsDir === undefined ? undefined : new CredentialsWriter(prepareCredentialsDir(o.saveCredentialsDir));

  // the device code (MQTT.js, and the CSR flow's x509 code) is loaded here, not when the library
  // is imported: `fleetsim run` without --dry-run runs devices in worker threads only
  const [{ VirtualDevice }, { makeDeviceSpec }, { certificateApi }, { loadCsrSupport }] = await Promise.all([
    import('../device/device.js'),
    import('./generator.js'),
    import('../device/decisions.js'),
    import('../device/csr-support.js'),
  ]);
  // provisioning by trusted user: the app's AWS SDK is loaded before the device's clock starts
  if (s.flow.claim === 'trusted-user') await loadAppSdk();
  if (certificateApi(s.flow) === 'CreateCertificateFromCsr') await loadCsrSupport();
  const target = await o.startTarget();
  o.onTarget?.(target.label);
  const startedAt = new Date().toISOString();
  const t0 = performance.now();
  const steps: StepObservation[] = [];
  const spec = makeDeviceSpec(s, runId, 0, 0);
  let result;
  try {
    const device = new VirtualDevice(
      spec,
      deviceTargetFor(target.info),
      {
        flow: s.flow,
        // one attempt per step: a dry run shows the first failure as it is
        retry: { ...s.retry, maxAttempts: 1 },
        templateName: s.fleet.templateName,
        onStep: (step) => {
          steps.push(step);
          o.onStep?.(step);
        },
        ...(writer === undefined ? {} : { onCredentials: (c) => void writer.write(c) }),
      },
      new MetricsRecorder(Date.now()),
      o.signal,
    );
    result = await device.run();
  } finally {
    closeAppClients();
    await target.close().catch(() => undefined);
  }
  const out: DryRunResult = {
    kind: 'dry-run',
    schemaVersion: 1,
    runId,
    startedAt,
    endedAt: new Date().toISOString(),
    target: target.label,
    clientId: spec.clientId,
    outcome: result.outcome,
    totalMs: performance.now() - t0,
    steps,
    created: {
      things: result.thingName === undefined ? [] : [result.thingName],
      certificates: result.certificateId === undefined ? [] : [result.certificateId],
    },
  };
  if (result.thingName !== undefined) out.thingName = result.thingName;
  if (result.certificateId !== undefined) out.certificateId = result.certificateId;
  if (writer !== undefined) out.credentialsSaved = writer.saved > 0;
  const record = { ...out, scenarioFile: o.loaded.file, scenario: redactScenario(s) };
  writeFileSync(path.join(runDir, DRY_RUN_FILE), `${JSON.stringify(record, null, 2)}\n`);
  return { result: out, runDir };
}
