/** The emulator's registry of certificates, things and policies. */
export * from './types.js';
export { Registry, type NewCertificate } from './registry.js';
export { policyNameForDocument, toCanonicalJson } from './provisioning-plan.js';
export { REGISTRY_STATE_VERSION, type RegistryState } from './registry-state.js';
export { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from './pagination.js';
