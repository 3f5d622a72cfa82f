/**
 * `fleetsim init aws`: a starter set for a user's AWS account: scenario, provisioning template,
 * claim policy, device policy (inlined in the template), provisioning-role trust policy, and the
 * AWS CLI commands that create them. fleetsim itself needs no IAM permission to run.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { TEMPLATE_NAME_PATTERN } from '../protocol/topics.js';
import { InputError, type ValidationIssue } from '../util/errors.js';

export interface InitOptions {
  templateName: string;
  /** policies name this region; `*` when not given */
  region?: string;
  /** policies and the role ARN name this account; `*` / looked up at setup time when not given */
  accountId?: string;
}

export interface InitFile {
  /** relative to the init folder */
  path: string;
  text: string;
  mode?: number;
}

export const SCENARIO_FILE = 'scenario.yaml';
export const SETUP_SCRIPT = 'aws-setup.sh';
export const CLAIM_POLICY_NAME = 'fleetsim-claim-policy';
export const ROLE_NAME = 'fleetsim-provisioning-role';
export const APP_POLICY_NAME = 'fleetsim-app-policy';
export const APP_POLICY_FILE = 'app-role-policy.json';

export function checkInitOptions(o: InitOptions): void {
  const issues: ValidationIssue[] = [];
  if (!TEMPLATE_NAME_PATTERN.test(o.templateName)) issues.push({ path: '--template-name', message: 'must be 1-36 characters of 0-9 A-Z a-z _ -' });
  if (o.region !== undefined && !/^[a-z]{2}(?:-[a-z]+)+-\d+$/.test(o.region)) issues.push({ path: '--region', message: 'must be an AWS region such as eu-west-1' });
  if (o.accountId !== undefined && !/^\d{12}$/.test(o.accountId)) issues.push({ path: '--account-id', message: 'must be a 12-digit AWS account ID' });
  if (issues.length > 0) throw new InputError('fleetsim init aws: bad options', { issues });
}

const formatJson = (v: unknown): string => `${JSON.stringify(v, null, 2)}\n`;

function arnPrefix(o: InitOptions): string {
  return `arn:aws:iot:${o.region ?? '*'}:${o.accountId ?? '*'}`;
}

/** The policy issued certificates get: connect as their own thing, publish under fleetsim/<thing>/. */
export function buildDevicePolicy(o: InitOptions): object {
  const arn = arnPrefix(o);
  return {
    Version: '2012-10-17',
    Statement: [
      { Effect: 'Allow', Action: 'iot:Connect', Resource: `${arn}:client/\${iot:Connection.Thing.ThingName}` },
      { Effect: 'Allow', Action: ['iot:Publish', 'iot:Receive'], Resource: `${arn}:topic/fleetsim/\${iot:Connection.Thing.ThingName}/*` },
      { Effect: 'Allow', Action: 'iot:Subscribe', Resource: `${arn}:topicfilter/fleetsim/\${iot:Connection.Thing.ThingName}/*` },
    ],
  };
}

/** The claim certificate's policy: connect as fleetsim-*, and only the fleet-provisioning topics (WOCERT). */
export function buildClaimPolicy(o: InitOptions): object {
  const arn = arnPrefix(o);
  const topics = ['$aws/certificates/create/*', '$aws/certificates/create-from-csr/*', `$aws/provisioning-templates/${o.templateName}/provision/*`];
  return {
    Version: '2012-10-17',
    Statement: [
      { Effect: 'Allow', Action: 'iot:Connect', Resource: `${arn}:client/fleetsim-*` },
      { Effect: 'Allow', Action: ['iot:Publish', 'iot:Receive'], Resource: topics.map((t) => `${arn}:topic/${t}`) },
      { Effect: 'Allow', Action: 'iot:Subscribe', Resource: topics.map((t) => `${arn}:topicfilter/${t}`) },
    ],
  };
}

/** A fleet-provisioning template: thing fleetsim-<SerialNumber>, certificate ACTIVE, the device policy. */
export function buildProvisioningTemplate(o: InitOptions): object {
  return {
    Parameters: { SerialNumber: { Type: 'String' }, 'AWS::IoT::Certificate::Id': { Type: 'String' } },
    Resources: {
      thing: {
        Type: 'AWS::IoT::Thing',
        Properties: {
          ThingName: { 'Fn::Join': ['', ['fleetsim-', { Ref: 'SerialNumber' }]] },
          AttributePayload: { serialNumber: { Ref: 'SerialNumber' }, createdBy: 'fleetsim' },
        },
        OverrideSettings: { AttributePayload: 'REPLACE', ThingTypeName: 'REPLACE', ThingGroups: 'DO_NOTHING' },
      },
      certificate: {
        Type: 'AWS::IoT::Certificate',
        Properties: { CertificateId: { Ref: 'AWS::IoT::Certificate::Id' }, Status: 'ACTIVE' },
        OverrideSettings: { Status: 'REPLACE' },
      },
      policy: { Type: 'AWS::IoT::Policy', Properties: { PolicyDocument: buildDevicePolicy(o) } },
    },
    DeviceConfiguration: { fleetsim: 'starter' },
  };
}

/**
 * flow.claim trusted-user: the IAM policy of the installer app's role (the credentials fleetsim's
 * virtual apps use): CreateProvisioningClaim on this template only. The action and its resource
 * type provisioningtemplate are from AWS's service authorization reference for AWS IoT.
 */
export function buildAppRolePolicy(o: InitOptions): object {
  return {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Action: 'iot:CreateProvisioningClaim', Resource: `${arnPrefix(o)}:provisioningtemplate/${o.templateName}` }],
  };
}

const TRUST_POLICY = {
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'iot.amazonaws.com' }, Action: 'sts:AssumeRole' }],
};

function buildScenarioYaml(o: InitOptions): string {
  const t = o.templateName;
  return `# fleetsim starter scenario for AWS IoT Core, written by \`fleetsim init aws\`.
#
# Once: review and run the AWS CLI commands in ${SETUP_SCRIPT} (they create the provisioning role,
# the template, the claim certificate and its policy). Then, from this folder's parent:
#   export FLEETSIM_IOT_ENDPOINT=$(aws iot describe-endpoint --endpoint-type iot:Data-ATS --query endpointAddress --output text)
#   npx fleetsim run <this-folder>/${SCENARIO_FILE} --dry-run   # ONE device, every step printed
#   npx fleetsim run <this-folder>/${SCENARIO_FILE}             # more than 100 devices need --confirm
#   npx fleetsim cleanup reports/<run-id>                         # delete the things and certificates it made
#
# The same file runs against the embedded emulator: replace the target block with
#   target:
#     type: emulator
# (the emulator's account is 123456789012 in us-east-1: policies pinned by --region or --account-id
# to another account or region refuse the verify connect there, as AWS would)
name: aws-starter
description: fleet provisioning by claim against AWS IoT Core with template ${t}

target:
  type: aws
  endpoint: \${FLEETSIM_IOT_ENDPOINT}        # <prefix>-ats.iot.<region>.amazonaws.com
  port: 8883                                # or 443: ALPN x-amzn-mqtt-ca is offered there
  # caFile: AmazonRootCA1.pem               # default: Node.js's built-in roots (include Amazon Root CA 1-4)
  claimCertFile: claim/claim.cert.pem       # relative to this file
  claimKeyFile: claim/claim.private.key
${o.region === undefined ? '' : `  region: ${o.region}\n`}
fleet:
  devices: 10
  clientId: "fleetsim-{runId}-{index}"      # the claim policy allows client IDs fleetsim-*
  serial: "{runId}-{index:4}"               # things are named fleetsim-<serial>: new names every run
  templateName: ${t}
  parameters:
    SerialNumber: "{serial}"

flow:
  claim: shared                             # or trusted-user: each device's installer app first calls
                                            # CreateProvisioningClaim with the SDK's default credentials,
                                            # which need ${APP_POLICY_FILE} (the claim files are then unused)
  certificate: create-keys                  # or csr (CreateCertificateFromCsr)
  format: json
  mqttVersion: 5                            # 4 = MQTT 3.1.1
  keepalive: 60
  replyTimeout: 30s
  verify:
    enabled: true                           # reconnect with the new certificate, publish once
    topic: "fleetsim/{thingName}/hello"     # allowed by the device policy

retry:
  mode: per-step
  maxAttempts: 5
  retryOn: [throttled, server-error, timeout]

load:
  model: closed
  concurrency: 5

emulator:                                   # used only when target.type is emulator
  templates:
    - name: ${t}
      file: templates/${t}.json
`;
}

function buildSetupScript(o: InitOptions): string {
  const t = o.templateName;
  return `#!/bin/sh
# One-time AWS setup for fleetsim, written by \`fleetsim init aws\`. Review it before running it.
# Needs the AWS CLI v2 with credentials allowed to manage IAM roles and AWS IoT.
set -eu
cd "$(dirname "$0")"
${o.region === undefined ? '' : `export AWS_REGION=${o.region}\n`}ACCOUNT_ID=${o.accountId ?? '$(aws sts get-caller-identity --query Account --output text)'}

# 1. The data endpoint devices connect to (put it in FLEETSIM_IOT_ENDPOINT)
aws iot describe-endpoint --endpoint-type iot:Data-ATS --query endpointAddress --output text

# 2. The role AWS IoT assumes to create things, certificates and policies for the template
aws iam create-role --role-name ${ROLE_NAME} --assume-role-policy-document file://provisioning-role-trust.json
aws iam attach-role-policy --role-name ${ROLE_NAME} --policy-arn arn:aws:iam::aws:policy/service-role/AWSIoTThingsRegistration
sleep 10   # IAM is eventually consistent: give the new role a moment

# 3. The provisioning template (its device policy is inline: see device-policy.json)
aws iot create-provisioning-template --template-name ${t} --enabled \\
  --provisioning-role-arn "arn:aws:iam::$ACCOUNT_ID:role/${ROLE_NAME}" \\
  --template-body file://templates/${t}.json

# 4. The claim certificate every simulated device shares, and its policy
mkdir -p claim
aws iot create-keys-and-certificate --set-as-active \\
  --certificate-pem-outfile claim/claim.cert.pem --private-key-outfile claim/claim.private.key \\
  --query certificateArn --output text > claim/claim.cert.arn
chmod 600 claim/claim.private.key
aws iot create-policy --policy-name ${CLAIM_POLICY_NAME} --policy-document file://claim-policy.json
aws iot attach-policy --policy-name ${CLAIM_POLICY_NAME} --target "$(cat claim/claim.cert.arn)"

# 5. Only for flow.claim: trusted-user. The installer app's permission (CreateProvisioningClaim on the
#    template), as an IAM policy to attach to the role or user whose credentials fleetsim runs with:
# aws iam create-policy --policy-name ${APP_POLICY_NAME} --policy-document file://${APP_POLICY_FILE}
# aws iam attach-role-policy --role-name <app-role> --policy-arn "arn:aws:iam::$ACCOUNT_ID:policy/${APP_POLICY_NAME}"
`;
}

/** Keeps the claim certificate's private key (and any other key material) out of git. */
const GITIGNORE = `# written by \`fleetsim init aws\`: key material stays out of version control
claim/
*.private.key
*.key
*.pem.key
`;

/** Every file of the starter set. */
export function buildInitFiles(o: InitOptions): InitFile[] {
  return [
    { path: SCENARIO_FILE, text: buildScenarioYaml(o) },
    { path: `templates/${o.templateName}.json`, text: formatJson(buildProvisioningTemplate(o)) },
    { path: 'claim-policy.json', text: formatJson(buildClaimPolicy(o)) },
    { path: 'device-policy.json', text: formatJson(buildDevicePolicy(o)) },
    { path: 'provisioning-role-trust.json', text: formatJson(TRUST_POLICY) },
    { path: APP_POLICY_FILE, text: formatJson(buildAppRolePolicy(o)) },
    { path: SETUP_SCRIPT, text: buildSetupScript(o), mode: 0o755 },
    { path: '.gitignore', text: GITIGNORE },
  ];
}

/** Write the files; refuses to overwrite any of them unless `force`. */
export function writeInitFiles(dir: string, files: InitFile[], opts: { force?: boolean } = {}): string[] {
  const abs = path.resolve(dir);
  const existing = files.map((f) => path.join(abs, f.path)).filter((p) => existsSync(p));
  if (existing.length > 0 && opts.force !== true) {
    throw new InputError(`fleetsim init aws: ${existing.length} file(s) already exist in ${abs}`, {
      issues: existing.map((p) => ({ path: path.relative(abs, p), message: 'exists (use --force to overwrite)' })),
    });
  }
  const written: string[] = [];
  for (const f of files) {
    const file = path.join(abs, f.path);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, f.text, f.mode === undefined ? {} : { mode: f.mode });
    written.push(file);
  }
  return written;
}

/** The setup commands, as printed after init (the script without its preamble). */
export function setupCommands(o: InitOptions): string {
  return buildSetupScript(o)
    .split('\n')
    .filter((l) => !l.startsWith('#!') && !l.startsWith('set -eu') && !l.startsWith('cd "$(dirname'))
    .join('\n')
    .trim();
}
