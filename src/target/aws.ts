/**
 * `target: aws`: the files and connection settings devices need to reach an AWS IoT Core data
 * endpoint (or anything that speaks like one, such as a standalone emulator). Every file problem
 * is reported at once, naming the scenario path and the file. Nothing is started: the devices
 * connect to the endpoint directly, and closing the target does nothing.
 */
import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import { isIP } from 'node:net';
import path from 'node:path';
import type { LoadedScenario } from '../scenario/load.js';
import { AWS_ATS_ENDPOINT, type TargetConfig } from '../scenario/schema.js';
import { InputError, type ValidationIssue } from '../util/errors.js';
import { MAX_PEM_FILE_BYTES, readBoundedTextFile } from '../util/read-file.js';
import type { TargetInfo } from '../orchestrator/protocol.js';
import type { AppControlPlane } from '../device/types.js';
import { isLocalEndpoint } from '../cleanup/iot-api.js';
import type { PreparedTarget } from './types.js';

export type AwsTargetConfig = Extract<TargetConfig, { type: 'aws' }>;

/** The ALPN protocol AWS IoT requires for MQTT with X.509 client certificates on port 443. */
export const AWS_MQTT_ALPN = 'x-amzn-mqtt-ca';

/** The region in an ATS endpoint name, or undefined for other host names. */
export function regionOfEndpoint(endpoint: string): string | undefined {
  return AWS_ATS_ENDPOINT.exec(endpoint)?.[1];
}

/** ALPN list the devices offer: x-amzn-mqtt-ca on 443 unless the scenario says otherwise. */
export function alpnFor(t: AwsTargetConfig): string[] | undefined {
  const alpn = t.alpn ?? (t.port === 443 ? AWS_MQTT_ALPN : 'none');
  return alpn === 'none' ? undefined : [alpn];
}

/** SNI: the servername override, else the endpoint; none for an IP address (TLS forbids it). */
export function servernameFor(t: AwsTargetConfig): string | undefined {
  const name = t.servername ?? t.endpoint;
  return isIP(name) === 0 ? name : undefined;
}

export function describeAwsTarget(t: AwsTargetConfig): string {
  const alpn = alpnFor(t);
  return `aws ${t.endpoint}:${t.port}${alpn === undefined ? '' : ` ALPN ${alpn.join(',')}`}`;
}

function readText(file: string, at: string, baseDir: string, issues: ValidationIssue[]): { abs: string; text: string } | undefined {
  const abs = path.resolve(baseDir, file);
  const read = readBoundedTextFile(abs, MAX_PEM_FILE_BYTES);
  if (read.ok) return { abs, text: read.text };
  issues.push({ path: at, message: `cannot read ${abs}: ${read.problem}` });
  return undefined;
}

function parseCertificates(text: string): X509Certificate[] {
  const blocks = text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  return blocks.map((b) => new X509Certificate(b));
}

/** The shared claim certificate and its key, checked to belong together. */
function readClaimFiles(certFile: string, keyFile: string, base: string, issues: ValidationIssue[]): { certPem: string; keyPem: string } | undefined {
  let claimCert: X509Certificate | undefined;
  const cert = readText(certFile, 'target.claimCertFile', base, issues);
  if (cert !== undefined) {
    try {
      claimCert = parseCertificates(cert.text)[0];
      if (claimCert === undefined) issues.push({ path: 'target.claimCertFile', message: `${cert.abs} holds no PEM certificate` });
    } catch (err) {
      issues.push({ path: 'target.claimCertFile', message: `${cert.abs} is not a valid PEM certificate: ${(err as Error).message}` });
    }
  }

  let claimKey: KeyObject | undefined;
  const key = readText(keyFile, 'target.claimKeyFile', base, issues);
  if (key !== undefined) {
    if (!/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(key.text)) {
      issues.push({ path: 'target.claimKeyFile', message: `${key.abs} holds no PEM private key` });
    } else {
      try {
        claimKey = createPrivateKey(key.text);
      } catch (err) {
        // the message of a key parse error never contains the key itself
        issues.push({ path: 'target.claimKeyFile', message: `${key.abs} is not a usable private key (${(err as NodeJS.ErrnoException).code ?? 'unreadable'}); an encrypted key is not supported` });
      }
    }
  }
  if (claimCert !== undefined && claimKey !== undefined && !claimCert.checkPrivateKey(claimKey)) {
    issues.push({ path: 'target.claimKeyFile', message: `the key in ${path.resolve(base, keyFile)} does not belong to the claim certificate in ${path.resolve(base, certFile)}` });
  }

  return cert === undefined || key === undefined ? undefined : { certPem: cert.text, keyPem: key.text };
}

/**
 * flow.claim trusted-user: where the apps call CreateProvisioningClaim: AWS's control plane in the
 * data endpoint's region (or target.region), signed with the AWS SDK's default credential chain;
 * a local control plane (target.controlPlaneEndpoint on 127.0.0.1, a standalone emulator) takes fixed credentials.
 */
export function appControlPlaneFor(t: AwsTargetConfig): AppControlPlane {
  const region = t.region ?? regionOfEndpoint(t.endpoint);
  // the scenario check (scenario/load.ts) refuses a trusted-user scenario whose region is unknown
  if (region === undefined) throw new Error('flow.claim trusted-user needs target.region');
  const local = isLocalEndpoint(t.controlPlaneEndpoint);
  return {
    region,
    ...(t.controlPlaneEndpoint === undefined ? {} : { endpoint: t.controlPlaneEndpoint }),
    ...(local ? { credentials: { accessKeyId: 'fleetsim', secretAccessKey: 'fleetsim' } } : {}),
  };
}

/** Read and check the claim certificate, its key and the CA bundle; every problem at once. */
export function loadAwsTargetInfo(loaded: LoadedScenario): TargetInfo {
  const t = loaded.scenario.target;
  if (t.type !== 'aws') throw new Error('loadAwsTargetInfo needs target.type aws');
  const issues: ValidationIssue[] = [];
  const base = loaded.baseDir;

  const claim = t.claimCertFile !== undefined && t.claimKeyFile !== undefined && loaded.scenario.flow.claim !== 'trusted-user' ? readClaimFiles(t.claimCertFile, t.claimKeyFile, base, issues) : undefined;

  let caPem: string | undefined;
  if (t.caFile !== undefined) {
    const ca = readText(t.caFile, 'target.caFile', base, issues);
    if (ca !== undefined) {
      try {
        if (parseCertificates(ca.text).length === 0) issues.push({ path: 'target.caFile', message: `${ca.abs} holds no PEM certificate (e.g. AmazonRootCA1.pem)` });
        else caPem = ca.text;
      } catch (err) {
        issues.push({ path: 'target.caFile', message: `${ca.abs} is not a valid PEM certificate bundle: ${(err as Error).message}` });
      }
    }
  }

  const trusted = loaded.scenario.flow.claim === 'trusted-user';
  if (issues.length > 0 || (!trusted && claim === undefined)) {
    const n = issues.length;
    throw new InputError(`${loaded.file}: ${n} problem${n === 1 ? '' : 's'} with the AWS target's files`, { file: loaded.file, issues });
  }
  const info: TargetInfo = { host: t.endpoint, port: t.port };
  if (claim !== undefined) {
    info.claimCertPem = claim.certPem;
    info.claimKeyPem = claim.keyPem;
  }
  if (trusted) info.controlPlane = appControlPlaneFor(t);
  const servername = servernameFor(t);
  if (servername !== undefined) info.servername = servername;
  if (caPem !== undefined) info.caPem = caPem;
  const alpn = alpnFor(t);
  if (alpn !== undefined) info.alpn = alpn;
  return info;
}

/** The AWS target, its claim files read and checked now so a bad path fails before anything starts (exit 2). */
export function prepareAwsTarget(loaded: LoadedScenario): PreparedTarget {
  const t = loaded.scenario.target;
  if (t.type !== 'aws') throw new Error('prepareAwsTarget needs target.type aws');
  const info = loadAwsTargetInfo(loaded);
  const label = describeAwsTarget(t);
  const cp = info.controlPlane;
  const start = async () => {
    // the apps sign with the SDK's default chain: no credentials is bad input before any device starts
    if (cp !== undefined && cp.credentials === undefined) await checkAppCredentials(cp, loaded);
    return { info, label, close: () => Promise.resolve() };
  };
  return { kind: 'aws', start };
}

/** What the apps' credentials must allow (the IAM action and, assumed, its resource ARN). */
export function appPermission(region: string, templateName: string): string {
  return `iot:CreateProvisioningClaim on arn:aws:iot:${region}:<account>:provisioningtemplate/${templateName}`;
}

/** Resolve the AWS SDK's default credential chain once (no AWS API call); none is bad input. */
async function checkAppCredentials(cp: AppControlPlane, loaded: LoadedScenario): Promise<void> {
  // loaded on first use: the SDK costs every other command half a second of start-up
  const { IoTClient } = await import('@aws-sdk/client-iot');
  const client = new IoTClient({ region: cp.region, ...(cp.endpoint === undefined ? {} : { endpoint: cp.endpoint }) });
  try {
    await client.config.credentials();
  } catch (err) {
    throw new InputError(`${loaded.file}: flow.claim trusted-user: no AWS credentials for the app's CreateProvisioningClaim: ${(err as Error).message}`, {
      file: loaded.file,
      hint: `the AWS SDK's default chain is used (AWS_PROFILE / AWS_ACCESS_KEY_ID, ~/.aws/config, an instance or task role); it needs ${appPermission(cp.region, loaded.scenario.fleet.templateName)}`,
    });
  } finally {
    client.destroy();
  }
}
