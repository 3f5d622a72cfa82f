/**
 * `fleetsim emulator`: the emulator on its own, for firmware and AWS's SDK samples. Prints the
 * endpoint, the files and the exact sample commands; Ctrl-C saves the registry and exits 0.
 */
import path from 'node:path';
import { EXAMPLE_TEMPLATE, exampleParameters, InputError, startStandaloneEmulator, type KeyAlgorithm, type StandaloneEmulator, type TemplateSource } from '../../index.js';
import { ExitCode } from '../exit-codes.js';
import { err, out, reportError } from '../output.js';
import { formatMemoryRelease, formatTrafficEvent, TrafficSummary } from '../emulator-traffic.js';

/** seconds between traffic summaries without --verbose */
const SUMMARY_EVERY_SEC = 10;

export const DEFAULT_TEMPLATE: TemplateSource = { ...EXAMPLE_TEMPLATE };

export interface EmulatorArgs {
  host: string;
  port: number;
  dir: string;
  template: string[];
  hook: string[];
  /** undefined: the scenario schema's emulator.keyAlgorithm default */
  keyAlgorithm: KeyAlgorithm | undefined;
  state: string | undefined;
  controlPlanePort: number | undefined;
  /** undefined: the scenario schema's emulator.tlsSessionResumption default */
  tlsSessionResumption: boolean | undefined;
  /** empty: not checked */
  thingGroup: string[];
  thingType: string[];
  /** one line per connect, disconnect, subscribe, request and reply */
  verbose: boolean;
  /** glibc malloc_trim after connections close */
  releaseMemory: boolean;
}

/** `name=file`, or `file` alone (name: the file name without .json). */
export function parseTemplateFlags(values: string[]): TemplateSource[] {
  if (values.length === 0) return [DEFAULT_TEMPLATE];
  return values.map((v) => {
    const eq = v.indexOf('=');
    if (eq > 0) return { name: v.slice(0, eq), file: v.slice(eq + 1) };
    return { name: path.basename(v).replace(/\.json$/i, ''), file: v };
  });
}

/** `template=module`; the template may be left out when there is only one. */
export function parseHookFlags(values: string[], templates: TemplateSource[]): Record<string, string> {
  const hooks: Record<string, string> = {};
  for (const v of values) {
    const eq = v.indexOf('=');
    if (eq > 0) hooks[v.slice(0, eq)] = v.slice(eq + 1);
    else if (templates.length === 1) hooks[templates[0]!.name] = v;
    else throw new InputError(`--hook ${v}: name the template, e.g. --hook ${templates[0]?.name ?? 'my-template'}=${v}`);
  }
  return hooks;
}

function checkPort(flag: string, port: number | undefined): void {
  if (port === undefined) return;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new InputError(`${flag} must be a whole number from 0 to 65535`, { issues: [{ path: flag, message: 'must be 0-65535 (0: any free port)' }] });
  }
}

/** Single-quote for a POSIX shell when needed. */
function sh(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replaceAll("'", `'\\''`)}'`;
}

function printBanner(s: StandaloneEmulator, a: EmulatorArgs): void {
  const e = s.emulator;
  const f = s.files;
  const endpoint = e.host === '0.0.0.0' || e.host === '::' ? '127.0.0.1' : e.host;
  const tpl = s.templates[0]!;
  const params = JSON.stringify(exampleParameters(tpl));
  const certArgs = `--cert ${sh(f.claimCert)} --key ${sh(f.claimKey)}`;
  const tplArgs = `--template_name ${sh(tpl.name)} --template_parameters ${sh(params)}`;
  const restored = s.restored === undefined ? 'new' : `restored ${s.restored.things} things, ${s.restored.certificates} certificates`;
  out(`fleetsim emulator: AWS IoT fleet provisioning on mqtts://${e.host}:${e.port} (MQTT 3.1.1 and 5, mutual TLS)`);
  out(`  endpoint       ${endpoint}, port ${e.port}`);
  out(`  root CA        ${f.rootCa} (${s.reusedCa ? 'reused' : 'new'})`);
  out(`  claim cert     ${f.claimCert}`);
  out(`  claim key      ${f.claimKey}`);
  out(`  claim policy   ${f.claimPolicy}`);
  const hookOf = (h: string | { file: string; handler?: string }) => (typeof h === 'string' ? h : `${h.file}${h.handler === undefined ? '' : `:${h.handler}`}`);
  out(`  templates      ${s.templates.map((t) => (t.hook === undefined ? t.name : `${t.name} (hook ${hookOf(t.hook)})`)).join(', ')}`);
  if (s.templates.some((t) => t.hook !== undefined)) out(`  hook logs      ${path.join(f.dir, 'logs')}/<template>/ (one CloudWatch-style log stream per execution environment)`);
  out(`  state          ${f.state} (${restored})`);
  out(`  memory         ${s.memoryRelease.active ? s.memoryRelease.how : s.memoryRelease.why}`);
  if (a.thingGroup.length > 0) out(`  thing groups   ${a.thingGroup.join(', ')} (templates naming another fail RegisterThing)`);
  if (a.thingType.length > 0) out(`  thing types    ${a.thingType.join(', ')} (templates naming another fail RegisterThing)`);
  if (e.controlPlaneUrl !== undefined) out(`  control plane  ${e.controlPlaneUrl} (AWS SDK IoT client: endpoint ${e.controlPlaneUrl}, any credentials)`);
  if (e.controlPlaneUrl !== undefined && s.templates.length > 0) {
    // provisioning by trusted user: the app's call, as the AWS CLI makes it (docs/trusted-user.md)
    out(`                 CreateProvisioningClaim (trusted user): aws iot create-provisioning-claim --endpoint-url ${e.controlPlaneUrl} --template-name ${s.templates[0]?.name ?? '<template>'}`);
  }
  if (s.foreignCertificates) err('warning: the state file holds certificates signed by another root CA; those devices cannot connect and must provision again');
  out('');
  out("AWS IoT Device SDK v2 samples, unchanged but for the endpoint and file paths:");
  out('  current samples (MQTT 5; they always use port 8883 and the system trust store):');
  if (e.port !== 8883) out(`    (this emulator listens on ${e.port}: start it with --port 8883 for these samples)`);
  out('    trust the root CA once (Debian/Ubuntu; remove the file and rerun to undo):');
  out(`      sudo cp ${sh(f.rootCa)} /usr/local/share/ca-certificates/fleetsim-emulator.crt && sudo update-ca-certificates`);
  out('    JavaScript, samples/node/service_clients/fleet_provisioning/basic (npm install && npx tsc first):');
  out(`      node dist/index.js --endpoint ${endpoint} ${certArgs} ${tplArgs}`);
  out('    Python, samples/service_clients/fleet_provisioning_basic.py:');
  out(`      python3 fleet_provisioning_basic.py --endpoint ${endpoint} ${certArgs} ${tplArgs}`);
  out('  samples that take a CA file (no trust store change):');
  out('    JavaScript, samples/node/fleet_provisioning (SDK releases before 2025; port 8883 only):');
  out(`      node dist/index.js --endpoint ${endpoint} --ca_file ${sh(f.rootCa)} ${certArgs} ${tplArgs}`);
  out('    Python, samples/fleetprovisioning.py (SDK releases before 2025):');
  out(`      python3 fleetprovisioning.py --endpoint ${endpoint} --port ${e.port} --ca_file ${sh(f.rootCa)} ${certArgs} ${tplArgs}`);
  out('');
  out('Quick checks:');
  out(`  openssl s_client -connect ${endpoint}:${e.port} -CAfile ${sh(f.rootCa)} -cert ${sh(f.claimCert)} -key ${sh(f.claimKey)} -alpn x-amzn-mqtt-ca -brief </dev/null`);
  out(
    `  mosquitto_rr -h ${endpoint} -p ${e.port} --cafile ${sh(f.rootCa)} ${certArgs} -i fleetsim-check ` +
      `-t '$aws/certificates/create/json' -e '$aws/certificates/create/json/accepted' -m '{}' -W 10`,
  );
  out('');
  out(`Ctrl-C saves the state and stops. While devices talk to it: a summary every ${SUMMARY_EVERY_SEC} s (--verbose: every message).`);
}

/** Resolves on the first SIGINT/SIGTERM; a second one exits at once. */
function waitForSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    let seen = false;
    const on = (sig: NodeJS.Signals) => {
      if (seen) process.exit(ExitCode.Interrupted);
      seen = true;
      resolve(sig);
    };
    process.on('SIGINT', on);
    process.on('SIGTERM', on);
  });
}

export async function commandEmulator(a: EmulatorArgs): Promise<number> {
  let s: StandaloneEmulator | undefined;
  let closing = false;
  try {
    checkPort('--port', a.port);
    checkPort('--control-plane-port', a.controlPlanePort);
    const templates = parseTemplateFlags(a.template);
    const hooks = parseHookFlags(a.hook, templates);
    const stopped = waitForSignal();
    const summary = new TrafficSummary();
    s = await startStandaloneEmulator({
      observe: a.verbose ? (e) => out(formatTrafficEvent(e)) : (e) => summary.add(e),
      dir: a.dir,
      host: a.host,
      port: a.port,
      templates,
      hooks,
      ...(a.keyAlgorithm === undefined ? {} : { keyAlgorithm: a.keyAlgorithm }),
      ...(a.state === undefined ? {} : { stateFile: a.state }),
      ...(a.controlPlanePort === undefined ? {} : { controlPlanePort: a.controlPlanePort }),
      ...(a.tlsSessionResumption === undefined ? {} : { tlsSessionResumption: a.tlsSessionResumption }),
      ...(a.thingGroup.length === 0 ? {} : { thingGroups: a.thingGroup }),
      ...(a.thingType.length === 0 ? {} : { thingTypes: a.thingType }),
      releaseMemory: a.releaseMemory,
      ...(a.verbose ? { onMemoryRelease: (e) => out(formatMemoryRelease(e)) } : {}),
    });
    printBanner(s, a);
    if (a.verbose) out('--verbose: one line per connect, disconnect, subscribe, request and reply');
    const ticker = a.verbose
      ? undefined
      : setInterval(() => {
          const line = summary.take(SUMMARY_EVERY_SEC);
          if (line !== undefined) out(line);
        }, SUMMARY_EVERY_SEC * 1000);
    const sig = await stopped;
    if (ticker !== undefined) clearInterval(ticker);
    err(`\n${sig}: saving the state and stopping (again to quit at once)`);
    closing = true;
    await s.close();
    const c = s.emulator.registry.counts();
    out(`state saved: ${c.things} things, ${c.certificates} certificates, ${c.policies} policies in ${s.files.state}`);
    return ExitCode.Pass;
  } catch (e) {
    if (!closing) await s?.emulator.close().catch(() => undefined);
    return reportError(e);
  }
}
