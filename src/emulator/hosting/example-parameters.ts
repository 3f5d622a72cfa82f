import type { LoadedTemplate } from '../templates/index.js';
import { CERTIFICATE_ID_PARAMETER } from '../templates/types.js';

/** Example RegisterThing parameters for a template: every parameter the device must send, without a Default. */
export function exampleParameters(t: LoadedTemplate): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, def] of Object.entries(t.body.Parameters)) {
    if (name === CERTIFICATE_ID_PARAMETER || def.Default !== undefined) continue;
    out[name] = /serial/i.test(name) ? '1' : 'value';
  }
  return out;
}
