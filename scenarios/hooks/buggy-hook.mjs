/**
 * A deliberately buggy pre-provisioning hook, the classic field incident: it reads a parameter
 * the template does not send (`device_serial`; the devices send `SerialNumber`), so every call
 * throws "TypeError: Cannot read properties of undefined (reading 'toUpperCase')" and AWS IoT
 * rejects every RegisterThing with ACCESS_DENIED (403). The emulator keeps the error and the event
 * it received, as CloudWatch Logs would show them, so the report says why devices were denied.
 */
export async function handler(event) {
  const serial = event.parameters.device_serial.toUpperCase();
  return { allowProvisioning: serial.startsWith('SN'), parameterOverrides: { SerialNumber: serial } };
}
