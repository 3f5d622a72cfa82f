/**
 * AWS IoT policy evaluation for iot:Connect, iot:Publish, iot:Subscribe and iot:Receive:
 * a request is allowed when some statement allows it and no statement denies it (an explicit Deny
 * wins; nothing matching is an implicit deny). Action, NotAction, Resource and NotResource take
 * wildcards; resources take the policy variables of pattern.ts.
 *
 * Condition blocks are not evaluated. To stay on the safe side, an Allow statement with a
 * Condition grants nothing and a Deny statement with a Condition always applies.
 *
 * Compiled documents are cached per PolicyRecord (records are frozen and replaced on change), so
 * thousands of certificates sharing one policy compile it once.
 */
import type { PolicyRecord } from '../registry/index.js';
import { readPolicyDocument, type PolicyStatement } from '../../protocol/iot-policy.js';
import { PolicyPattern, type PolicyVariables } from './pattern.js';

export type IotAction = 'iot:Connect' | 'iot:Publish' | 'iot:Subscribe' | 'iot:Receive';
export type PolicyDecision = 'allow' | 'explicitDeny' | 'implicitDeny';

type CompiledStatement = PolicyStatement<PolicyPattern>;

export interface CompiledPolicy {
  name: string;
  statements: CompiledStatement[];
}

/** Compile a policy document; statements it cannot read are skipped (they grant nothing). The grammar is protocol/iot-policy.ts. */
export function compilePolicyDocument(name: string, doc: unknown): CompiledPolicy {
  const statements = readPolicyDocument(doc).map((st): CompiledStatement => {
    const patterns = (list: string[], ci: boolean) => list.map((p) => new PolicyPattern(p, ci));
    return {
      allow: st.allow,
      conditional: st.conditional,
      actions: patterns(st.actions, true),
      notActions: st.notActions === null ? null : patterns(st.notActions, true),
      resources: patterns(st.resources, false),
      notResources: st.notResources === null ? null : patterns(st.notResources, false),
    };
  });
  return { name, statements };
}

const compiled = new WeakMap<PolicyRecord, CompiledPolicy>();

/** The compiled form of a registry policy, compiled once per record. */
export function compilePolicyRecord(p: PolicyRecord): CompiledPolicy {
  let c = compiled.get(p);
  if (c === undefined) {
    c = compilePolicyDocument(p.policyName, p.policyDocument);
    compiled.set(p, c);
  }
  return c;
}

function anyMatch(patterns: PolicyPattern[], subject: string, vars: PolicyVariables): boolean {
  for (const p of patterns) if (p.matches(subject, vars)) return true;
  return false;
}

function statementApplies(st: CompiledStatement, action: string, resource: string, vars: PolicyVariables): boolean {
  const actionOk = st.notActions !== null ? !anyMatch(st.notActions, action, vars) : anyMatch(st.actions, action, vars);
  if (!actionOk) return false;
  return st.notResources !== null ? !anyMatch(st.notResources, resource, vars) : anyMatch(st.resources, resource, vars);
}

/** Evaluate one request against every policy of the principal. */
export function evaluatePolicies(policies: readonly CompiledPolicy[], action: IotAction, resource: string, vars: PolicyVariables): PolicyDecision {
  let allowed = false;
  for (const p of policies) {
    for (const st of p.statements) {
      if (st.allow && (allowed || st.conditional)) continue;
      if (!statementApplies(st, action, resource, vars)) continue;
      if (!st.allow) return 'explicitDeny';
      allowed = true;
    }
  }
  return allowed ? 'allow' : 'implicitDeny';
}
