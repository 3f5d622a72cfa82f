/**
 * Static checks of a parsed template body that rendering would otherwise find only at
 * RegisterThing time, once per device: an intrinsic function fleet provisioning does not support
 * (`Fn::Frobnicate`), a `Ref` or `Fn::Sub` `${Name}` naming an undeclared parameter, an
 * `Fn::FindInMap` naming a map that is not in Mappings. Values computed at run time (a Ref
 * inside a function's argument list that yields a name) are left to rendering.
 */
import type { ValidationIssue } from '../../util/errors.js';
import { describeJsonType, isPlainObject } from '../../util/json-values.js';
import { isIntrinsic, MAX_DEPTH, SUB_VARIABLE_RE, SUPPORTED_FUNCTIONS } from './intrinsics.js';
import { CERTIFICATE_ID_PARAMETER, type TemplateBody } from './types.js';

export function checkTemplateReferences(body: TemplateBody): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const declared = (name: string): boolean => name === CERTIFICATE_ID_PARAMETER || Object.hasOwn(body.Parameters, name);

  const visit = (value: unknown, path: string, depth: number): void => {
    if (depth > MAX_DEPTH) return; // rendering reports the nesting limit
    if (Array.isArray(value)) {
      value.forEach((v, i) => visit(v, `${path}[${i}]`, depth + 1));
      return;
    }
    if (!isPlainObject(value)) return;
    if (!isIntrinsic(value)) {
      for (const [k, v] of Object.entries(value)) visit(v, `${path}.${k}`, depth + 1);
      return;
    }
    const [name, arg] = Object.entries(value)[0] as [string, unknown];
    const at = `${path}.${name}`;
    if (!(SUPPORTED_FUNCTIONS as readonly string[]).includes(name)) {
      issues.push({ path: at, message: `unknown intrinsic function; fleet provisioning templates support ${SUPPORTED_FUNCTIONS.join(', ')}` });
      return;
    }
    if (name === 'Ref') {
      if (typeof arg !== 'string') {
        issues.push({ path: at, message: `Ref takes a parameter name (a string), not ${describeJsonType(arg)}` });
      } else if (!declared(arg)) {
        issues.push({ path: at, message: `Ref "${arg}" names no parameter declared in Parameters (declared: ${declaredList(body)})` });
      }
      return;
    }
    if (name === 'Fn::Sub') {
      const [text, vars] = Array.isArray(arg) ? [arg[0], arg[1]] : [arg, undefined];
      if (typeof text === 'string') {
        for (const m of text.matchAll(SUB_VARIABLE_RE)) {
          const v = m[1] as string;
          if (v.startsWith('!') || declared(v) || (isPlainObject(vars) && Object.hasOwn(vars, v))) continue;
          issues.push({
            path: at,
            message: `"\${${v}}" is neither a declared parameter nor a variable of this Fn::Sub (write "\${!${v}}" for a literal)`,
          });
        }
      }
      if (isPlainObject(vars)) for (const [k, v] of Object.entries(vars)) visit(v, `${at}[1].${k}`, depth + 1);
      return;
    }
    if (name === 'Fn::FindInMap' && Array.isArray(arg) && typeof arg[0] === 'string' && !Object.hasOwn(body.Mappings, arg[0])) {
      issues.push({ path: at, message: `no mapping named "${arg[0]}" in Mappings` });
    }
    visit(arg, at, depth + 1);
  };

  for (const [logicalId, res] of Object.entries(body.Resources)) visit(res.Properties, `Resources.${logicalId}.Properties`, 0);
  visit(body.DeviceConfiguration, 'DeviceConfiguration', 0);
  return issues;
}

function declaredList(body: TemplateBody): string {
  const names = new Set([...Object.keys(body.Parameters), CERTIFICATE_ID_PARAMETER]);
  return [...names].join(', ');
}
