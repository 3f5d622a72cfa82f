/** The emulator's AWS IoT control-plane HTTP API (a subset, compatible with @aws-sdk/client-iot). */
export { startControlPlane, type ControlPlane, type ControlPlaneOptions, type ControlPlaneStats } from './server.js';
export { AwsServiceError, AWS_ERROR_STATUS, type AwsErrorType } from './errors.js';
export { OPERATIONS, type ProvisioningClaimIssuer } from './operations.js';
