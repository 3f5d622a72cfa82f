/**
 * events.jsonl: the run's raw, versioned, append-only record. Written as the run goes (one
 * `progress` line per worker per second), so a crash or `kill -9` loses at most the last second;
 * `fleetsim report <dir>` replays it into every report. A shard's events file is its raw result.
 */
import { appendFileSync, openSync, closeSync, fsyncSync, readFileSync } from 'node:fs';
import type { MetricsSnapshot } from '../metrics/snapshot.js';
import { RunError } from '../util/errors.js';
import { describeWriteErrno } from '../util/out-dir.js';
import type { Scenario } from '../scenario/schema.js';
import type { Outcome } from '../metrics/recorder.js';
import type { GeneratorHealth } from '../metrics/health.js';
import type { EmulatorStats } from '../protocol/emulator-stats.js';

export const EVENTS_SCHEMA_VERSION = 1;

export interface ResultRecord {
  index: number;
  outcome: Outcome;
  attempts: number;
  thingName?: string;
  certificateId?: string;
}

export type HealthRecord = GeneratorHealth;

export type RunEvent =
  | {
      type: 'meta';
      schemaVersion: number;
      runId: string;
      startedAt: string;
      startMs: number;
      scenarioFile: string;
      scenarioHash: string;
      scenario: Scenario;
      shard: { index: number; count: number };
      devices: number;
      workers: number;
      target: string;
      plan: string;
      /** things said before the run started (capacity checks) */
      warnings?: string[];
      /** the command line's `--set path=value` overrides (shortcuts spelled out), when there were any */
      overrides?: string[];
    }
  | { type: 'progress'; t: number; worker: number; snapshot: MetricsSnapshot; results: ResultRecord[]; inFlight: number; health: HealthRecord }
  | { type: 'crash'; t: number; worker: number; message: string; snapshot: MetricsSnapshot; results: ResultRecord[] }
  | { type: 'emulator'; t: number; stats: EmulatorStats }
  | { type: 'end'; t: number; endedAt: string; status: RunStatus; reason?: string; peakRssBytes: number; warnings?: string[] };

export type RunStatus = 'completed' | 'interrupted' | 'failed';

/** The file operations EventsWriter uses; a test passes one that fails like a full disk. */
export interface EventsWriterDeps {
  appendFileSync: (file: string, data: string) => void;
}

export interface EventsWriteFailure {
  code: string;
  /** e.g. `no space left on the device (ENOSPC)` */
  description: string;
}

/**
 * Appends events, one JSON line each. A write that fails (ENOSPC, EIO, ...) is not thrown into
 * the run: the writer records the failure, calls onFailure once and writes nothing more (so the
 * file ends at the failure, at worst with one torn line, which readEvents skips).
 */
export class EventsWriter {
  failure: EventsWriteFailure | undefined;
  onFailure: ((f: EventsWriteFailure) => void) | undefined;
  private readonly deps: EventsWriterDeps;

  constructor(readonly file: string, deps?: EventsWriterDeps) {
    this.deps = deps ?? { appendFileSync };
    try {
      closeSync(openSync(file, 'w', 0o644));
    } catch (err) {
      throw new RunError('EVENTS_WRITE_FAILED', `cannot create ${file}: ${describeWriteErrno((err as NodeJS.ErrnoException).code)}`, { cause: err });
    }
  }

  append(e: RunEvent): void {
    if (this.failure !== undefined) return;
    try {
      this.deps.appendFileSync(this.file, `${JSON.stringify(e)}\n`);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? 'EUNKNOWN';
      this.failure = { code, description: describeWriteErrno(code) };
      this.onFailure?.(this.failure);
    }
  }

  /** Flush to disk (at the end, or before exiting on a signal). */
  sync(): void {
    if (this.failure !== undefined) return;
    try {
      const fd = openSync(this.file, 'r+');
      try {
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? 'EUNKNOWN';
      this.failure = { code, description: describeWriteErrno(code) };
    }
  }
}

export class EventsFileError extends Error {
  override name = 'EventsFileError';
}

/** Read an events file; a torn last line (crash mid-write) is skipped, anything else is an error. */
export function readEvents(file: string): RunEvent[] {
  const text = readFileSync(file, 'utf8');
  const lines = text.split('\n');
  const out: RunEvent[] = [];
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    try {
      out.push(JSON.parse(line) as RunEvent);
    } catch {
      if (i >= lines.length - 2) return; // torn final line
      throw new EventsFileError(`${file}:${i + 1}: not a JSON line`);
    }
  });
  const meta = out[0];
  if (meta?.type !== 'meta') throw new EventsFileError(`${file}: does not start with a meta line`);
  if (meta.schemaVersion > EVENTS_SCHEMA_VERSION) {
    throw new EventsFileError(`${file}: written by a newer fleetsim (events schema ${meta.schemaVersion} > ${EVENTS_SCHEMA_VERSION}); upgrade fleetsim to read it`);
  }
  return out;
}
