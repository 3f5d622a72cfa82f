/**
 * cleanup.json in the run folder: what is already gone, so an interrupted cleanup resumes where it
 * stopped and a finished one is not repeated. Written atomically (temp file + rename).
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { InputError } from '../util/errors.js';

export const CLEANUP_FILE = 'cleanup.json';
export const CLEANUP_FILE_VERSION = 1;

export type CleanupStatus = 'running' | 'completed' | 'incomplete' | 'interrupted';

export interface CleanupFailure {
  /** `thing/<name>` or `cert/<id>` */
  resource: string;
  message: string;
}

export interface CleanupState {
  version: number;
  runId: string;
  status: CleanupStatus;
  startedAt: string;
  updatedAt: string;
  /** where the cleanup sent its calls: a region, or an endpoint URL */
  target: string;
  /** resources confirmed gone (deleted now, or found already missing) */
  done: { things: string[]; certificates: string[] };
  failed: CleanupFailure[];
  /** policies detached from this run's certificates (name → certificates); never deleted */
  policiesDetached: Record<string, number>;
  requests: number;
  throttled: number;
  retries: number;
}

export function emptyState(runId: string, target: string): CleanupState {
  const now = new Date().toISOString();
  return {
    version: CLEANUP_FILE_VERSION,
    runId,
    status: 'running',
    startedAt: now,
    updatedAt: now,
    target,
    done: { things: [], certificates: [] },
    failed: [],
    policiesDetached: {},
    requests: 0,
    throttled: 0,
    retries: 0,
  };
}

export function readCleanupState(runDir: string): CleanupState | undefined {
  const file = path.join(runDir, CLEANUP_FILE);
  if (!existsSync(file)) return undefined;
  let data: CleanupState;
  try {
    data = JSON.parse(readFileSync(file, 'utf8')) as CleanupState;
  } catch (err) {
    throw new InputError(`${file} is not readable: ${(err as Error).message}`, { hint: 'delete it to start the cleanup over (deleting is idempotent)' });
  }
  if (data.version !== CLEANUP_FILE_VERSION || !Array.isArray(data.done?.things) || !Array.isArray(data.done?.certificates)) {
    throw new InputError(`${file} is not a cleanup progress file of version ${CLEANUP_FILE_VERSION}`, { hint: 'delete it to start the cleanup over (deleting is idempotent)' });
  }
  return data;
}

export function writeCleanupState(runDir: string, state: CleanupState): void {
  const file = path.join(runDir, CLEANUP_FILE);
  const tmp = `${file}.${process.pid}.tmp`;
  state.updatedAt = new Date().toISOString();
  writeFileSync(tmp, `${JSON.stringify(state, null, 2)}\n`);
  renameSync(tmp, file);
}
