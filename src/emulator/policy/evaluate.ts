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
import { PolicyPattern, type PolicyVariables } from './pattern.js';

export type IotAction = 'iot:Connect' | 'iot:Publish' | 'iot:Subscribe' | 'iot:Receive';
export type PolicyDecision = 'allow' | 'explicitDeny' | 'implicitDeny';

interface CompiledStatement {
  allow: boolean;
  conditional: boolean;
  actions: PolicyPattern[];
  notActions: PolicyPattern[] | null;
  resources: PolicyPattern[];
  notResources: PolicyPattern[] | null;
}

export interface CompiledPolicy {
  name: string;
  statements: CompiledStatement[];
}

function toStringList(v: unknown): string[] {
  if (typeof v === 'string') return [v];
  if (Array.isArray(v)) return v.filter((x): x is string => typeof x === 'string');
  return [];
}

function compileStatement(raw: unknown): CompiledStatement | null {
  if (typeof raw !== 'object' || raw === null) return null;
  const s = raw as Record<string, unknown>;
  if (s.Effect !== 'Allow' && s.Effect !== 'Deny') return null;
  const patterns = (key: string, ci: boolean) => (key in s ? toStringList(s[key]).map((p) => new PolicyPattern(p, ci)) : null);
  const actions = patterns('Action', true);
  const notActions = patterns('NotAction', true);
  const resources = patterns('Resource', false);
  const notResources = patterns('NotResource', false);
  if ((actions === null && notActions === null) || (resources === null && notResources === null)) return null;
  return {
    allow: s.Effect === 'Allow',
    conditional: s.Condition !== undefined,
    actions: actions ?? [],
    notActions,
    resources: resources ?? [],
    notResources,
  };
}

/** Compile a policy document; statements it cannot read are skipped (they grant nothing). */
export function compilePolicyDocument(name: string, doc: unknown): CompiledPolicy {
  const raw = typeof doc === 'object' && doc !== null ? (doc as Record<string, unknown>).Statement : undefined;
  const list = Array.isArray(raw) ? raw : raw === undefined ? [] : [raw];
  const statements: CompiledStatement[] = [];
  for (const st of list) {
    const c = compileStatement(st);
    if (c !== null) statements.push(c);
  }
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
