/**
 * The registry's saved form: versioned JSON, read back with shape checks, written atomically
 * (temporary file + rename) with mode 0600. It holds certificate PEMs, never private keys.
 */
import { open, readFile, rename, unlink } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import {
  CERTIFICATE_STATUSES,
  RegistryStateError,
  type CertificateRecord,
  type PolicyRecord,
  type ThingRecord,
} from './types.js';
import { isPlainObject } from '../../util/json-values.js';

export const REGISTRY_STATE_VERSION = 1;

export interface RegistryState {
  version: typeof REGISTRY_STATE_VERSION;
  region: string;
  accountId: string;
  certificates: CertificateRecord[];
  things: ThingRecord[];
  policies: PolicyRecord[];
  /** thing name → certificate ARNs */
  thingPrincipals: Record<string, string[]>;
  /** policy name → certificate ARNs */
  policyTargets: Record<string, string[]>;
}

/** Checks the shape of parsed JSON; throws RegistryStateError naming the first bad field. */
export function validateRegistryState(data: unknown): RegistryState {
  const bad = (path: string, rule: string): never => {
    throw new RegistryStateError(`Registry state is invalid: ${path} ${rule}`);
  };
  if (!isPlainObject(data)) return bad('(root)', 'must be an object');
  if (data.version !== REGISTRY_STATE_VERSION) bad('version', `must be ${REGISTRY_STATE_VERSION}`);
  for (const key of ['region', 'accountId']) if (typeof data[key] !== 'string') bad(key, 'must be a string');
  const list = (key: string, check: (item: Record<string, unknown>, path: string) => void): void => {
    const value = data[key];
    if (!Array.isArray(value)) return void bad(key, 'must be a list');
    value.forEach((item, i) => (isPlainObject(item) ? check(item, `${key}[${i}]`) : bad(`${key}[${i}]`, 'must be an object')));
  };
  const strings = (item: Record<string, unknown>, path: string, keys: string[]): void => {
    for (const k of keys) if (typeof item[k] !== 'string') bad(`${path}.${k}`, 'must be a string');
  };
  list('certificates', (c, p) => {
    strings(c, p, ['certificateId', 'certificateArn', 'certificatePem', 'createdAt', 'issuedVia']);
    if (!CERTIFICATE_STATUSES.includes(c.status as never)) bad(`${p}.status`, `must be one of ${CERTIFICATE_STATUSES.join(', ')}`);
  });
  list('things', (t, p) => {
    strings(t, p, ['thingName', 'thingArn', 'thingId', 'createdAt']);
    if (!isPlainObject(t.attributes)) bad(`${p}.attributes`, 'must be an object');
    if (!Array.isArray(t.thingGroups)) bad(`${p}.thingGroups`, 'must be a list');
    if (!Number.isInteger(t.version)) bad(`${p}.version`, 'must be a whole number');
  });
  list('policies', (pol, p) => {
    strings(pol, p, ['policyName', 'policyArn', 'createdAt']);
    if (!isPlainObject(pol.policyDocument)) bad(`${p}.policyDocument`, 'must be an object');
  });
  for (const key of ['thingPrincipals', 'policyTargets']) {
    const map = data[key];
    if (!isPlainObject(map)) bad(key, 'must be an object');
    for (const [name, arns] of Object.entries(map as Record<string, unknown>)) {
      if (!Array.isArray(arns) || arns.some((a) => typeof a !== 'string')) bad(`${key}.${name}`, 'must be a list of ARNs');
    }
  }
  return data as unknown as RegistryState;
}

/** Writes `text` to `file` atomically with mode 0600. */
export async function writeFileAtomic(file: string, text: string): Promise<void> {
  const tmp = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  const handle = await open(tmp, 'wx', 0o600);
  try {
    await handle.chmod(0o600); // independent of the process umask
    await handle.writeFile(text, 'utf8');
    await handle.sync();
  } catch (err) {
    await handle.close();
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
  await handle.close();
  try {
    await rename(tmp, file);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
}

export async function readRegistryStateFile(file: string): Promise<RegistryState> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new RegistryStateError(`Cannot read registry file ${file}: ${(err as Error).message}`, err);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new RegistryStateError(`Registry file ${file} is not valid JSON: ${(err as Error).message}`, err);
  }
  return validateRegistryState(parsed);
}
