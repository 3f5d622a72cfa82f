/**
 * AWS IoT fleet-provisioning MQTT topics (aws-fleet-provisioning.md §1).
 * The single table of topic strings, shared by the device and the emulator.
 */

export type PayloadFormat = 'json' | 'cbor';
export type ProvisioningApi = 'CreateKeysAndCertificate' | 'CreateCertificateFromCsr' | 'RegisterThing';
export type ReplyKind = 'accepted' | 'rejected';

export const PROVISIONING_APIS: readonly ProvisioningApi[] = [
  'CreateKeysAndCertificate',
  'CreateCertificateFromCsr',
  'RegisterThing',
];

/** Template names: 1-36 chars of [0-9A-Za-z_-] (API_CreateProvisioningTemplate). */
export const TEMPLATE_NAME_PATTERN = /^[0-9A-Za-z_-]{1,36}$/;

export function requestTopic(api: ProvisioningApi, format: PayloadFormat, templateName?: string): string {
  switch (api) {
    case 'CreateKeysAndCertificate':
      return `$aws/certificates/create/${format}`;
    case 'CreateCertificateFromCsr':
      return `$aws/certificates/create-from-csr/${format}`;
    case 'RegisterThing':
      if (templateName === undefined || !TEMPLATE_NAME_PATTERN.test(templateName)) {
        throw new TypeError(`invalid provisioning template name: ${JSON.stringify(templateName)}`);
      }
      return `$aws/provisioning-templates/${templateName}/provision/${format}`;
  }
}

export function replyTopic(api: ProvisioningApi, format: PayloadFormat, kind: ReplyKind, templateName?: string): string {
  return `${requestTopic(api, format, templateName)}/${kind}`;
}

/** Both reply topics of one API, accepted first: what a device subscribes to before it publishes. */
export function replyTopics(api: ProvisioningApi, format: PayloadFormat, templateName?: string): [string, string] {
  return [replyTopic(api, format, 'accepted', templateName), replyTopic(api, format, 'rejected', templateName)];
}

export interface ParsedProvisioningTopic {
  api: ProvisioningApi;
  format: PayloadFormat;
  templateName?: string;
  /** undefined for a request topic, else the reply kind */
  reply?: ReplyKind;
}

const TOPIC_RE =
  /^\$aws\/(?:certificates\/(create|create-from-csr)|provisioning-templates\/([^/]+)\/provision)\/(json|cbor)(?:\/(accepted|rejected))?$/;

/** Recognise any of the 18 fleet-provisioning topics (for any template name); null otherwise. */
export function parseProvisioningTopic(topic: string): ParsedProvisioningTopic | null {
  const m = TOPIC_RE.exec(topic);
  if (m === null) return null;
  const [, certOp, templateName, format, reply] = m;
  const api: ProvisioningApi =
    certOp === 'create' ? 'CreateKeysAndCertificate' : certOp === 'create-from-csr' ? 'CreateCertificateFromCsr' : 'RegisterThing';
  const parsed: ParsedProvisioningTopic = { api, format: format as PayloadFormat };
  if (templateName !== undefined) parsed.templateName = templateName;
  if (reply !== undefined) parsed.reply = reply as ReplyKind;
  return parsed;
}

