/** `fleetsim cleanup`: remove exactly what one run created, through the AWS SDK v3 IoT client. */
export { loadCleanupPlan, type CleanupPlan, type CleanupTarget } from './plan.js';
export { runCleanup, pendingWork, DEFAULT_CLEANUP_RATE, type CleanupOptions, type CleanupProgress, type CleanupResult } from './engine.js';
export { createIotClient, isLocalEndpoint, classifyError, type IotClientSettings } from './iot-api.js';
export { readCleanupState, CLEANUP_FILE, type CleanupState } from './progress.js';
