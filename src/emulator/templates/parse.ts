/**
 * Structural validation of a fleet-provisioning template body (aws-fleet-provisioning.md §4).
 * Collects every problem, each with its path; intrinsic functions are checked when rendering.
 */
import type { ValidationIssue } from '../../util/errors.js';
import { isPlainObject } from '../../util/json-values.js';
import { isIntrinsic } from './intrinsics.js';
import { checkPolicyDocument } from './policy-document.js';
import {
  MAX_TEMPLATE_BODY_CHARS,
  OVERRIDE_ACTIONS,
  RESOURCE_TYPES,
  TemplateError,
  type OverrideAction,
  type ParameterDef,
  type ResourceDef,
  type ResourceType,
  type TemplateBody,
} from './types.js';

const SECTIONS = ['Parameters', 'Resources', 'Mappings', 'DeviceConfiguration'];

const PROPERTIES: Record<ResourceType, string[]> = {
  'AWS::IoT::Thing': ['ThingName', 'AttributePayload', 'ThingTypeName', 'ThingGroups', 'BillingGroup', 'PackageVersions'],
  'AWS::IoT::Certificate': ['CertificateId', 'Status'],
  'AWS::IoT::Policy': ['PolicyName', 'PolicyDocument'],
};

/** OverrideSettings keys per type; the prose spelling (ATTRIBUTE_PAYLOAD) maps to the JSON one. */
const OVERRIDE_KEYS: Record<ResourceType, Record<string, string>> = {
  'AWS::IoT::Thing': {
    AttributePayload: 'AttributePayload', ATTRIBUTE_PAYLOAD: 'AttributePayload',
    ThingTypeName: 'ThingTypeName', THING_TYPE_NAME: 'ThingTypeName',
    ThingGroups: 'ThingGroups', THING_GROUPS: 'ThingGroups',
  },
  'AWS::IoT::Certificate': { Status: 'Status', STATUS: 'Status' },
  'AWS::IoT::Policy': {},
};
const MERGEABLE = ['AttributePayload', 'ThingGroups'];

/** Accepts the body as an object or as the JSON string CreateProvisioningTemplate takes. Throws TemplateError. */
export function parseTemplateBody(input: string | object): TemplateBody {
  let raw: unknown = input;
  let text: string;
  if (typeof input === 'string') {
    text = input;
    try {
      raw = JSON.parse(input);
    } catch (err) {
      throw new TemplateError([{ path: '', message: `is not valid JSON (${(err as Error).message})` }]);
    }
  } else {
    text = JSON.stringify(input) ?? '';
    raw = text === '' ? undefined : JSON.parse(text); // a private copy: later edits by the caller do not leak in
  }
  const issues: ValidationIssue[] = [];
  const add = (path: string, message: string): void => void issues.push({ path, message });
  if (text.length > MAX_TEMPLATE_BODY_CHARS) add('', `is ${text.length} characters long; templateBody may be at most ${MAX_TEMPLATE_BODY_CHARS}`);
  if (!isPlainObject(raw)) throw new TemplateError([...issues, { path: '', message: 'must be a JSON object' }]);
  for (const key of Object.keys(raw)) {
    if (!SECTIONS.includes(key)) add(key, `unknown section; allowed sections are ${SECTIONS.join(', ')}`);
  }
  const body: TemplateBody = {
    Parameters: parseParameters(raw.Parameters, add),
    Resources: parseResources(raw.Resources, add),
    Mappings: parseMappings(raw.Mappings, add),
    DeviceConfiguration: parseDeviceConfiguration(raw.DeviceConfiguration, add),
  };
  // the policy grammar, once Mappings are known (Fn::FindInMap may supply a whole policy)
  for (const [logicalId, res] of Object.entries(body.Resources)) {
    if (res.Type === 'AWS::IoT::Policy') checkPolicyDocument(res.Properties.PolicyDocument, `Resources.${logicalId}.Properties.PolicyDocument`, body.Mappings, add);
  }
  if (issues.length > 0) throw new TemplateError(issues);
  return body;
}

type AddIssue = (path: string, message: string) => void;

function parseParameters(raw: unknown, add: AddIssue): Record<string, ParameterDef> {
  const out: Record<string, ParameterDef> = {};
  if (raw === undefined) return out;
  if (!isPlainObject(raw)) return add('Parameters', 'must be an object of parameter declarations'), out;
  for (const [name, def] of Object.entries(raw)) {
    const path = `Parameters.${name}`;
    if (!isPlainObject(def)) { add(path, 'must be an object like {"Type": "String"}'); continue; }
    if (def.Type !== 'String') add(`${path}.Type`, 'must be "String" (the only parameter type provisioning templates document)');
    if (def.Default !== undefined && typeof def.Default !== 'string') add(`${path}.Default`, 'must be a string');
    for (const key of Object.keys(def)) if (key !== 'Type' && key !== 'Default') add(`${path}.${key}`, 'unknown key; allowed are Type, Default');
    out[name] = def.Default === undefined ? { Type: 'String' } : { Type: 'String', Default: def.Default as string };
  }
  return out;
}

function parseResources(raw: unknown, add: AddIssue): Record<string, ResourceDef> {
  const out: Record<string, ResourceDef> = {};
  if (!isPlainObject(raw)) return add('Resources', 'is required and must be an object of resources'), out;
  const seen: Partial<Record<ResourceType, string>> = {};
  for (const [logicalId, res] of Object.entries(raw)) {
    const path = `Resources.${logicalId}`;
    if (!isPlainObject(res)) { add(path, 'must be an object with Type and Properties'); continue; }
    const type = res.Type;
    if (!RESOURCE_TYPES.includes(type as ResourceType)) {
      add(`${path}.Type`, `must be one of ${RESOURCE_TYPES.join(', ')}`);
      continue;
    }
    const rt = type as ResourceType;
    if (rt !== 'AWS::IoT::Policy') {
      const prior = seen[rt];
      if (prior !== undefined) add(`${path}.Type`, `a template may declare only one ${rt} (already declared by "${prior}")`);
      seen[rt] = logicalId;
    }
    for (const key of Object.keys(res)) {
      if (!['Type', 'Properties', 'OverrideSettings'].includes(key)) add(`${path}.${key}`, 'unknown key; allowed are Type, Properties, OverrideSettings');
    }
    const props = isPlainObject(res.Properties) ? res.Properties : (add(`${path}.Properties`, 'is required and must be an object'), {});
    checkProperties(rt, props, `${path}.Properties`, add);
    out[logicalId] = { Type: rt, Properties: props, OverrideSettings: parseOverrides(rt, res.OverrideSettings, `${path}.OverrideSettings`, add) };
  }
  return out;
}

function checkProperties(type: ResourceType, props: Record<string, unknown>, path: string, add: AddIssue): void {
  for (const key of Object.keys(props)) {
    if (type === 'AWS::IoT::Certificate' && ['CertificateSigningRequest', 'CertificatePem', 'CACertificatePem'].includes(key)) {
      add(`${path}.${key}`, 'is not supported in fleet provisioning templates; use CertificateId: {"Ref": "AWS::IoT::Certificate::Id"}');
    } else if (!PROPERTIES[type].includes(key)) {
      add(`${path}.${key}`, `unknown property of ${type}; allowed are ${PROPERTIES[type].join(', ')}`);
    }
  }
  const str = (key: string, required: boolean): void => {
    const v = props[key];
    if (v === undefined) { if (required) add(`${path}.${key}`, 'is required'); return; }
    if (typeof v !== 'string' && !isIntrinsic(v)) add(`${path}.${key}`, 'must be a string or an intrinsic function');
  };
  if (type === 'AWS::IoT::Thing') {
    str('ThingName', true);
    str('ThingTypeName', false);
    str('BillingGroup', false);
    checkAttributePayload(props.AttributePayload, `${path}.AttributePayload`, add);
    checkStringList(props.ThingGroups, `${path}.ThingGroups`, add);
  } else if (type === 'AWS::IoT::Certificate') {
    str('CertificateId', true);
    str('Status', false);
    const status = props.Status;
    if (typeof status === 'string' && !['ACTIVE', 'INACTIVE'].includes(status.toUpperCase())) {
      add(`${path}.Status`, 'must be ACTIVE or INACTIVE (any case)');
    }
  } else {
    checkPolicy(props, path, add);
    str('PolicyName', false);
  }
}

function checkPolicy(props: Record<string, unknown>, path: string, add: AddIssue): void {
  if ((props.PolicyName !== undefined) === (props.PolicyDocument !== undefined)) {
    add(path, 'a policy needs exactly one of PolicyName (an existing policy) or PolicyDocument');
  }
}

function checkAttributePayload(value: unknown, path: string, add: AddIssue): void {
  if (value === undefined || isIntrinsic(value)) return;
  if (!isPlainObject(value)) return add(path, 'must be an object of attribute names to values');
  for (const [k, v] of Object.entries(value)) {
    if (typeof v !== 'string' && !isIntrinsic(v)) add(`${path}.${k}`, 'must be a string or an intrinsic function');
  }
}

function checkStringList(value: unknown, path: string, add: AddIssue): void {
  if (value === undefined || isIntrinsic(value)) return;
  if (!Array.isArray(value)) return add(path, 'must be a list of strings');
  value.forEach((v, i) => {
    if (typeof v !== 'string' && !isIntrinsic(v)) add(`${path}[${i}]`, 'must be a string or an intrinsic function');
  });
}

function parseOverrides(type: ResourceType, raw: unknown, path: string, add: AddIssue): Record<string, OverrideAction> {
  const out: Record<string, OverrideAction> = {};
  if (raw === undefined) return out;
  if (type === 'AWS::IoT::Policy') return add(path, 'OverrideSettings are not available for policy resources'), out;
  if (!isPlainObject(raw)) return add(path, 'must be an object of property names to DO_NOTHING | REPLACE | FAIL | MERGE'), out;
  const keys = OVERRIDE_KEYS[type];
  for (const [key, action] of Object.entries(raw)) {
    const property = keys[key];
    if (property === undefined) {
      add(`${path}.${key}`, `is not an overridable property of ${type}; allowed are ${[...new Set(Object.values(keys))].join(', ')}`);
    } else if (!OVERRIDE_ACTIONS.includes(action as OverrideAction)) {
      add(`${path}.${key}`, `must be one of ${OVERRIDE_ACTIONS.join(', ')}`);
    } else if (action === 'MERGE' && !MERGEABLE.includes(property)) {
      add(`${path}.${key}`, 'MERGE is valid only for a thing\'s ThingGroups and AttributePayload');
    } else {
      out[property] = action as OverrideAction;
    }
  }
  return out;
}

function parseMappings(raw: unknown, add: AddIssue): TemplateBody['Mappings'] {
  const out: TemplateBody['Mappings'] = {};
  if (raw === undefined) return out;
  if (!isPlainObject(raw)) return add('Mappings', 'must be an object of maps'), out;
  for (const [mapName, map] of Object.entries(raw)) {
    if (!isPlainObject(map)) { add(`Mappings.${mapName}`, 'must be an object of top-level keys'); continue; }
    const level1: Record<string, Record<string, string>> = {};
    for (const [key1, values] of Object.entries(map)) {
      const path = `Mappings.${mapName}.${key1}`;
      if (!isPlainObject(values)) { add(path, 'must be an object of second-level keys to string values'); continue; }
      const level2: Record<string, string> = {};
      for (const [key2, v] of Object.entries(values)) {
        if (typeof v === 'string') level2[key2] = v;
        else if (isIntrinsic(v)) add(`${path}.${key2}`, 'intrinsic functions and parameters are not allowed in Mappings');
        else add(`${path}.${key2}`, 'must be a string');
      }
      level1[key1] = level2;
    }
    out[mapName] = level1;
  }
  return out;
}

function parseDeviceConfiguration(raw: unknown, add: AddIssue): Record<string, unknown> {
  if (raw === undefined) return {};
  if (!isPlainObject(raw)) return add('DeviceConfiguration', 'must be an object of keys to values'), {};
  for (const [key, v] of Object.entries(raw)) {
    if (typeof v === 'string' || isIntrinsic(v)) continue;
    const what = isPlainObject(v) ? 'nested objects are not supported' : 'must be a string or an intrinsic function';
    add(`DeviceConfiguration.${key}`, what);
  }
  return raw;
}
