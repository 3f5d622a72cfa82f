/**
 * Renders a parsed template for one RegisterThing request: evaluates intrinsics, fills parameters and
 * checks the shape of each rendered value. Pure. Errors are TemplateRenderError with a device-facing message.
 */
import { describeJsonType, isPlainObject } from '../../util/json-values.js';
import { evaluateValue, fail, type EvalContext } from './intrinsics.js';
import type {
  RenderInput,
  RenderedCertificate,
  RenderedPolicy,
  RenderedProvisioning,
  RenderedThing,
  ResourceDef,
  TemplateBody,
} from './types.js';

/** AWS thing names: 1-128 characters of letters, digits, ':', '_' and '-'. */
const THING_NAME_RE = /^[a-zA-Z0-9:_-]{1,128}$/;

export function renderTemplate(body: TemplateBody, input: RenderInput): RenderedProvisioning {
  const ctx: EvalContext = { body, parameters: input.parameters, certificateId: input.certificateId };
  const out: RenderedProvisioning = { policies: [], deviceConfiguration: {} };
  for (const [logicalId, res] of Object.entries(body.Resources)) {
    const path = `Resources.${logicalId}.Properties`;
    if (res.Type === 'AWS::IoT::Thing') out.thing = renderThing(logicalId, res, ctx, path);
    else if (res.Type === 'AWS::IoT::Certificate') out.certificate = renderCertificate(logicalId, res, ctx, path);
    else out.policies.push(renderPolicy(logicalId, res, ctx, path));
  }
  for (const [key, raw] of Object.entries(body.DeviceConfiguration)) {
    out.deviceConfiguration[key] = expectString(evaluateValue(raw, ctx, `DeviceConfiguration.${key}`), `DeviceConfiguration.${key}`);
  }
  return out;
}

function renderThing(logicalId: string, res: ResourceDef, ctx: EvalContext, path: string): RenderedThing {
  const props = res.Properties;
  const thingName = expectString(evaluateValue(props.ThingName, ctx, `${path}.ThingName`), `${path}.ThingName`);
  if (!THING_NAME_RE.test(thingName)) {
    fail('BAD_VALUE', `ThingName ${JSON.stringify(thingName)} is not a valid thing name (1-128 characters: letters, digits, ':', '_', '-')`, `${path}.ThingName`);
  }
  const thing: RenderedThing = {
    logicalId,
    thingName,
    attributes: renderAttributes(props.AttributePayload, ctx, `${path}.AttributePayload`),
    thingGroups: renderStringList(props.ThingGroups, ctx, `${path}.ThingGroups`),
    // parse.ts normalized the keys to the thing's overridable properties
    overrideSettings: { ...res.OverrideSettings } as RenderedThing['overrideSettings'],
  };
  const thingTypeName = renderOptionalString(props.ThingTypeName, ctx, `${path}.ThingTypeName`);
  if (thingTypeName !== undefined) thing.thingTypeName = thingTypeName;
  const billingGroup = renderOptionalString(props.BillingGroup, ctx, `${path}.BillingGroup`);
  if (billingGroup !== undefined) thing.billingGroup = billingGroup;
  return thing;
}

function renderCertificate(logicalId: string, res: ResourceDef, ctx: EvalContext, path: string): RenderedCertificate {
  const certificateId = expectString(evaluateValue(res.Properties.CertificateId, ctx, `${path}.CertificateId`), `${path}.CertificateId`);
  if (certificateId !== ctx.certificateId) {
    fail(
      'BAD_REFERENCE',
      `CertificateId ${JSON.stringify(certificateId)} is not the certificate being provisioned; use {"Ref": "AWS::IoT::Certificate::Id"}`,
      `${path}.CertificateId`,
    );
  }
  const rawStatus = renderOptionalString(res.Properties.Status, ctx, `${path}.Status`) ?? 'ACTIVE';
  const status = rawStatus.toUpperCase();
  if (status !== 'ACTIVE' && status !== 'INACTIVE') {
    fail('BAD_VALUE', `Certificate Status ${JSON.stringify(rawStatus)} must be ACTIVE or INACTIVE`, `${path}.Status`);
  }
  const cert: RenderedCertificate = { logicalId, certificateId, status, overrideSettings: {} };
  if (res.OverrideSettings.Status !== undefined) cert.overrideSettings.Status = res.OverrideSettings.Status;
  return cert;
}

function renderPolicy(logicalId: string, res: ResourceDef, ctx: EvalContext, path: string): RenderedPolicy {
  const policy: RenderedPolicy = { logicalId };
  const name = renderOptionalString(res.Properties.PolicyName, ctx, `${path}.PolicyName`);
  if (name !== undefined) policy.policyName = name;
  if (res.Properties.PolicyDocument !== undefined) {
    const at = `${path}.PolicyDocument`;
    let doc = evaluateValue(res.Properties.PolicyDocument, ctx, at);
    if (typeof doc === 'string') {
      try {
        doc = JSON.parse(doc);
      } catch {
        fail('BAD_VALUE', 'PolicyDocument is a string but not valid JSON', at);
      }
    }
    if (!isPlainObject(doc)) fail('BAD_VALUE', `PolicyDocument must be a JSON object, got ${describeJsonType(doc)}`, at);
    policy.policyDocument = doc;
  }
  return policy;
}

/** AWS IoT API reference, AttributePayload: what CreateThing accepts as attribute names and values */
const ATTRIBUTE_NAME = /^[a-zA-Z0-9_.,@/:#-]{1,128}$/;
const ATTRIBUTE_VALUE = /^[a-zA-Z0-9_.,@/:#=[\]-]{0,800}$/;

function renderAttributes(raw: unknown, ctx: EvalContext, path: string): Record<string, string> {
  if (raw === undefined) return {};
  const value = evaluateValue(raw, ctx, path);
  if (!isPlainObject(value)) fail('BAD_VALUE', `AttributePayload must be an object, got ${describeJsonType(value)}`, path);
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value)) {
    if (!ATTRIBUTE_NAME.test(k)) fail('BAD_VALUE', `attribute name ${JSON.stringify(k)} must be 1-128 characters of [a-zA-Z0-9_.,@/:#-]`, path);
    const s = expectString(v, `${path}.${k}`);
    if (!ATTRIBUTE_VALUE.test(s)) fail('BAD_VALUE', `attribute ${k} = ${JSON.stringify(s)}: values must be at most 800 characters of [a-zA-Z0-9_.,@/:#=[]-]`, `${path}.${k}`);
    out[k] = s;
  }
  return out;
}

function renderStringList(raw: unknown, ctx: EvalContext, path: string): string[] {
  if (raw === undefined) return [];
  const value = evaluateValue(raw, ctx, path);
  if (!Array.isArray(value)) fail('BAD_VALUE', `Value must be a list of strings, got ${describeJsonType(value)}`, path);
  return value.map((v, i) => expectString(v, `${path}[${i}]`));
}

function renderOptionalString(raw: unknown, ctx: EvalContext, path: string): string | undefined {
  return raw === undefined ? undefined : expectString(evaluateValue(raw, ctx, path), path);
}

function expectString(value: unknown, path: string): string {
  if (typeof value !== 'string') fail('BAD_VALUE', `Value must be a string, got ${describeJsonType(value)}`, path);
  return value;
}
