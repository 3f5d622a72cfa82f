/**
 * Types and errors of the fleet-provisioning template engine (aws-fleet-provisioning.md §4).
 * A template body is parsed once (parse.ts, structural checks) and rendered per RegisterThing
 * request (render.ts, intrinsic functions and parameter values).
 */
import { FleetsimError, type ValidationIssue } from '../../util/errors.js';

export const RESOURCE_TYPES = ['AWS::IoT::Thing', 'AWS::IoT::Certificate', 'AWS::IoT::Policy'] as const;
export type ResourceType = (typeof RESOURCE_TYPES)[number];

export const OVERRIDE_ACTIONS = ['DO_NOTHING', 'REPLACE', 'FAIL', 'MERGE'] as const;
export type OverrideAction = (typeof OVERRIDE_ACTIONS)[number];

/** Thing properties that take OverrideSettings, in the spelling the JSON examples use. */
export type ThingOverrideProperty = 'AttributePayload' | 'ThingTypeName' | 'ThingGroups';

/** The parameter AWS fills in from the certificate ownership token; the device never sends it. */
export const CERTIFICATE_ID_PARAMETER = 'AWS::IoT::Certificate::Id';

/** Maximum `templateBody` length accepted by CreateProvisioningTemplate. */
export const MAX_TEMPLATE_BODY_CHARS = 10240;

export interface ParameterDef {
  Type: string;
  Default?: string;
}

/**
 * One resource. `Properties` values are raw template values that may contain intrinsic functions.
 * `OverrideSettings` keys are normalized to `AttributePayload` / `ThingTypeName` / `ThingGroups` / `Status`.
 */
export interface ResourceDef {
  Type: ResourceType;
  Properties: Record<string, unknown>;
  OverrideSettings: Record<string, OverrideAction>;
}

export interface TemplateBody {
  Parameters: Record<string, ParameterDef>;
  Resources: Record<string, ResourceDef>;
  Mappings: Record<string, Record<string, Record<string, string>>>;
  DeviceConfiguration: Record<string, unknown>;
}

export interface RenderInput {
  /** RegisterThing `parameters` (after any pre-provisioning hook overrides). */
  parameters: Record<string, string>;
  /** Fills `AWS::IoT::Certificate::Id`; any device-sent value of that name is ignored. */
  certificateId: string;
}

export interface RenderedThing {
  logicalId: string;
  thingName: string;
  /** `{}` when the template has no AttributePayload. */
  attributes: Record<string, string>;
  thingTypeName?: string;
  /** `[]` when the template has no ThingGroups. */
  thingGroups: string[];
  billingGroup?: string;
  overrideSettings: Partial<Record<ThingOverrideProperty, OverrideAction>>;
}

export interface RenderedCertificate {
  logicalId: string;
  certificateId: string;
  status: 'ACTIVE' | 'INACTIVE';
  overrideSettings: { Status?: OverrideAction };
}

export interface RenderedPolicy {
  logicalId: string;
  policyName?: string;
  /** A string PolicyDocument is JSON-parsed. */
  policyDocument?: Record<string, unknown>;
}

export interface RenderedProvisioning {
  thing?: RenderedThing;
  certificate?: RenderedCertificate;
  policies: RenderedPolicy[];
  deviceConfiguration: Record<string, string>;
}

/** A structural problem found when loading a template. `path` is the first issue's path. */
export class TemplateError extends FleetsimError {
  override name = 'TemplateError';
  declare readonly code: 'TEMPLATE_INVALID';
  readonly path: string;
  readonly issues: ValidationIssue[];

  constructor(issues: ValidationIssue[]) {
    const first = issues[0] ?? { path: '', message: 'invalid template' };
    const more = issues.length > 1 ? ` (and ${issues.length - 1} more: ${issues.slice(1).map(formatIssue).join('; ')})` : '';
    super('TEMPLATE_INVALID', `Invalid provisioning template: ${formatIssue(first)}${more}`, { exitCategory: 'badInput' });
    this.path = first.path;
    this.issues = issues;
  }
}

function formatIssue(issue: ValidationIssue): string {
  return issue.path === '' ? issue.message : `${issue.path}: ${issue.message}`;
}

export type TemplateRenderErrorCode =
  | 'MISSING_PARAMETER'
  | 'BAD_SELECT_INDEX'
  | 'BAD_FUNCTION'
  | 'BAD_REFERENCE'
  | 'BAD_MAPPING'
  /** a rendered value has the wrong shape, e.g. a ThingName that is not a valid thing name */
  | 'BAD_VALUE';

/** Rendering failed for one request. `message` is what the device sees as `errorMessage`. */
export class TemplateRenderError extends FleetsimError {
  override name = 'TemplateRenderError';
  declare readonly code: TemplateRenderErrorCode;
  constructor(code: TemplateRenderErrorCode, message: string) {
    super(code, message, { exitCategory: 'runFailed' });
  }
}

/** A template as the emulator serves it: its parsed body, whether it is enabled, and its hook. */
export interface LoadedTemplate {
  name: string;
  body: TemplateBody;
  enabled: boolean;
  /** the pre-provisioning hook: an absolute file path, or its settings (hook/hook-config.ts) */
  hook?: string | HookSpec;
}

/** A template's hook, resolved: an absolute file and how its environments run. */
export interface HookSpec {
  file: string;
  /** Lambda handler string `module.function` (default from the file name and runtime) */
  handler?: string;
  /** the function's environment variables (hook.environment) */
  environment?: Record<string, string>;
  /** Lambda reserved concurrency: invocations beyond it are throttled (default: none) */
  reservedConcurrency?: number;
  /** local cap on environments (default 64); past it invocations wait, and the report says so */
  maxEnvironments?: number;
  /** idle environments are reaped after this (default 10 min) */
  idleTimeoutMs?: number;
  /** modelled extra cold-start latency on a new environment's first invocation */
  coldStartMs?: number;
  /** this hook's timeout (default: the emulator's hookTimeoutMs, AWS's 5 s) */
  timeoutMs?: number;
  /** reported as the function's memory size (context.memory_limit_in_mb), default 128 */
  memorySize?: number;
}
