/** Where the devices of a run connect, from the started target's info (generator workers and --dry-run alike). */
import { createSecureContext } from 'node:tls';
import type { DeviceTarget } from '../device/types.js';
import type { TargetInfo } from './protocol.js';

/**
 * The device-side target: one TLS context for the shared claim, built once (a context without a
 * client certificate when there is no shared claim: under flow.claim trusted-user each device
 * connects with its own temporary claim), and the control plane the apps call.
 */
export function deviceTargetFor(info: TargetInfo): DeviceTarget {
  const ca = info.caPem === undefined ? {} : { ca: info.caPem };
  const claim = info.claimCertPem === undefined || info.claimKeyPem === undefined ? {} : { cert: info.claimCertPem, key: info.claimKeyPem };
  return {
    host: info.host,
    port: info.port,
    ...(info.servername === undefined ? {} : { servername: info.servername }),
    ...(info.caPem === undefined ? {} : { ca: info.caPem }),
    ...(info.alpn === undefined ? {} : { alpn: info.alpn }),
    claimSecureContext: createSecureContext({ ...claim, ...ca }),
    ...(info.controlPlane === undefined ? {} : { controlPlane: info.controlPlane }),
  };
}
