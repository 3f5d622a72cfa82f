/**
 * Applies AWS IoT policies to connections: the policies attached to the connection's certificate
 * (the claim policy for the claim certificate, the template's policies for issued certificates),
 * with the connection's policy variables. A connection takes a snapshot of its certificate's
 * policies when it connects; a policy change applies to the next connection.
 */
import type { Registry, ThingRecord } from '../registry/index.js';
import { compilePolicyRecord, evaluatePolicies, type CompiledPolicy, type IotAction, type PolicyDecision } from './evaluate.js';
import type { PolicyVariables } from './pattern.js';

export type IotResourceKind = 'client' | 'topic' | 'topicfilter';

/** What a connection may do: its certificate's compiled policies and its policy variables. */
export interface ConnectionPolicies {
  policies: readonly CompiledPolicy[];
  vars: PolicyVariables;
}

export const ACTION_RESOURCE: Record<IotAction, IotResourceKind> = {
  'iot:Connect': 'client',
  'iot:Publish': 'topic',
  'iot:Receive': 'topic',
  'iot:Subscribe': 'topicfilter',
};

/**
 * The thing whose name fills `${iot:Connection.Thing.*}`: with AWS's default (non-exclusive) thing
 * association, the thing attached to the certificate whose name is exactly the client ID; none when
 * the client ID is not an attached thing's name, so thing variables do not resolve (developer guide,
 * "Thing policy variables").
 */
export function pickConnectionThing(thingNames: readonly string[], clientId: string): string | undefined {
  return thingNames.includes(clientId) ? clientId : undefined;
}

export function buildPolicyVariables(clientId: string, thing: ThingRecord | undefined): PolicyVariables {
  const vars: Record<string, string | undefined> = {
    'iot:ClientId': clientId,
    'iot:Connection.Thing.IsAttached': thing === undefined ? 'false' : 'true',
  };
  if (thing !== undefined) {
    vars['iot:Connection.Thing.ThingName'] = thing.thingName;
    if (thing.thingTypeName !== undefined) vars['iot:Connection.Thing.ThingTypeName'] = thing.thingTypeName;
    for (const [k, v] of Object.entries(thing.attributes)) vars[`iot:Connection.Thing.Attributes[${k}]`] = v;
  }
  return vars;
}

export class PolicyAuthorizer {
  private readonly arnPrefix: string;

  constructor(private readonly registry: Registry) {
    this.arnPrefix = `arn:aws:iot:${registry.region}:${registry.accountId}:`;
  }

  /** Snapshot the policies of a certificate for a connection with `clientId`. */
  forCertificate(certificateArn: string, clientId: string, thingName: string | undefined): ConnectionPolicies {
    const policies = this.registry.listAttachedPolicies(certificateArn).map(compilePolicyRecord);
    const thing = thingName === undefined ? undefined : this.registry.getThing(thingName);
    return { policies, vars: buildPolicyVariables(clientId, thing) };
  }

  resourceArn(kind: IotResourceKind, name: string): string {
    return `${this.arnPrefix}${kind}/${name}`;
  }

  /** `name` is the client ID (iot:Connect), the topic (Publish/Receive) or the topic filter (Subscribe). */
  check(p: ConnectionPolicies, action: IotAction, name: string): PolicyDecision {
    return evaluatePolicies(p.policies, action, this.resourceArn(ACTION_RESOURCE[action], name), p.vars);
  }
}
