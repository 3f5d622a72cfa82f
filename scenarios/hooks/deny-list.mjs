/**
 * Example pre-provisioning hook for the fleetsim emulator, with the same contract as an AWS Lambda
 * pre-provisioning hook (payloadVersion 2020-04-01): it denies devices whose SerialNumber is on a
 * deny list and allows every other device.
 *
 * The deny list is the FLEETSIM_DENY_SERIALS environment variable (comma-separated serials), or
 * DEFAULT_DENIED below when that variable is unset or empty.
 *
 * Event: {claimCertificateId, certificateId, certificatePem, templateArn, clientId, parameters}
 * Answer: {allowProvisioning, parameterOverrides}
 */
const DEFAULT_DENIED = ['013', '666'];

function readDenyList() {
  const fromEnv = (process.env.FLEETSIM_DENY_SERIALS ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  return new Set(fromEnv.length > 0 ? fromEnv : DEFAULT_DENIED);
}

export async function handler(event) {
  const serial = event.parameters?.SerialNumber;
  if (typeof serial !== 'string' || serial === '') {
    return { allowProvisioning: false };
  }
  if (readDenyList().has(serial)) {
    return { allowProvisioning: false };
  }
  return { allowProvisioning: true, parameterOverrides: {} };
}
