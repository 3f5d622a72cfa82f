/**
 * RegisterThing: check the template and the request, consume the ownership token, run the
 * template's pre-provisioning hook (its parameterOverrides go over the device's parameters),
 * render the template and apply it to the registry. Any failure gives the token back, so the
 * device may retry with it (AWS does not document this; our assumption).
 */
import { rejection, type ErrorResponse, type RejectionKind } from '../../protocol/index.js';
import type { BrokerClient } from '../broker/index.js';
import type { HookHandler, HookRunner } from '../hook/hook-runner.js';
import type { ConnectionIdentity } from '../gateway.js';
import type { LoadedTemplate } from '../templates/index.js';
import type { Registry } from '../registry/index.js';
import { renderTemplate, TemplateRenderError } from '../templates/index.js';
import type { TokenRecord, TokenStore } from './ownership-tokens.js';

export type Reply = { kind: 'accepted'; body: unknown } | { kind: 'rejected'; body: ErrorResponse };

export interface RegisterThingDeps {
  registry: Registry;
  tokens: TokenStore;
  hookRunner: HookRunner;
  hook: HookHandler | undefined;
}

export interface RegisterThingRequest {
  client: BrokerClient;
  identity: ConnectionIdentity;
  templateName: string;
  template: LoadedTemplate | undefined;
  request: Record<string, unknown>;
}

const reject = (kind: RejectionKind, msg: string): Reply => ({ kind: 'rejected', body: rejection(kind, msg) });

function isStringMap(v: unknown): v is Record<string, string> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array) && Object.values(v).every((x) => typeof x === 'string');
}

export async function registerThing(d: RegisterThingDeps, r: RegisterThingRequest): Promise<Reply> {
  const { template, templateName } = r;
  if (template === undefined) return reject('templateNotFound', `Template ${templateName} not found.`);
  if (!template.enabled) return reject('templateNotFound', `Template ${templateName} is disabled.`);
  const params = r.request.parameters ?? {};
  if (!isStringMap(params)) return reject('invalidPayload', 'parameters must be a map of string to string');
  const check = d.tokens.consume(r.request.certificateOwnershipToken, r.identity.certificateId);
  if (!check.ok) return reject('invalidToken', check.message);
  const token: TokenRecord = check.record;
  let parameters: Record<string, string> = params;
  if (d.hook !== undefined) {
    const outcome = await d.hookRunner.invoke(templateName, d.hook, {
      claimCertificateId: r.identity.certificateId,
      certificateId: token.certificateId,
      certificatePem: d.registry.getCertificate(token.certificateId)?.certificatePem ?? '',
      templateArn: `arn:aws:iot:${d.registry.region}:${d.registry.accountId}:provisioningtemplate/${templateName}`,
      clientId: r.client.clientId,
      parameters: { ...params },
    });
    if (!outcome.allowed) {
      d.tokens.release(token);
      return reject('accessDenied', outcome.message);
    }
    parameters = { ...params, ...outcome.parameterOverrides };
  }
  try {
    const rendered = renderTemplate(template.body, { parameters, certificateId: token.certificateId });
    const applied = d.registry.applyProvisioning(rendered, token.certificateId);
    d.tokens.retire(token);
    const body: { deviceConfiguration: Record<string, string>; thingName?: string } = { deviceConfiguration: rendered.deviceConfiguration };
    if (applied.thingName !== undefined) body.thingName = applied.thingName;
    return { kind: 'accepted', body };
  } catch (err) {
    d.tokens.release(token);
    if (err instanceof TemplateRenderError) return reject('invalidTemplate', err.message);
    const code = (err as { code?: string }).code;
    if (code === 'RESOURCE_CONFLICT') return reject('resourceConflict', (err as Error).message);
    if (code === 'NOT_FOUND' || code === 'INVALID_REQUEST') return reject('invalidTemplate', (err as Error).message);
    if (code === 'CERTIFICATE_STATE') return reject('certificateState', (err as Error).message);
    return reject('internalError', `internal error: ${(err as Error).message}`);
  }
}
