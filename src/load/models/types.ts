/**
 * What a load model is (k6's executors, one file each): the scenario's `load` section for it, the
 * plan in one sentence, when each device starts, how many devices may be in flight and which
 * runner drives it. Every model lives in its own file beside this one; models/index.ts lists them.
 */
import type { z } from 'zod';
import type { Arrival } from '../arrivals.js';

/** The fields every load section has: its model name, and the optional stop after `maxDuration`. */
export interface LoadSection {
  model: string;
  /** ms; the generator stops starting devices and interrupts the running ones after this */
  maxDuration?: number | undefined;
}

/** How a share of the devices is started (orchestrator/run-share.ts has one runner per kind). */
export type Runner =
  /** keep every slot busy: the next device starts as soon as one finishes (no intended start times) */
  | { kind: 'slots' }
  /** start each device at its intended time; one that cannot start within `startToleranceMs` is dropped with its reason */
  | { kind: 'timed'; startToleranceMs: number };

/** The knee search a model asks for (analysis/knee.ts judges it; the run guard stops the run at the knee). */
export interface KneeSearch {
  /** arrivals per second in the first step */
  start: number;
  /** added to the rate at each step */
  increment: number;
  /** ms, whole seconds */
  stepDuration: number;
  maxRate: number;
  stopWhen: { share429?: number | undefined; p99?: number | undefined; failures?: number | undefined };
  /** the latency metric `stopWhen.p99` applies to */
  p99Of: string;
}

export interface LoadModel<S extends z.ZodType<LoadSection>> {
  /** the `load.model` value; the schema's `model` literal */
  name: z.output<S>['model'];
  /** the scenario's `load` section for this model (strict; defaults filled in) */
  schema: S;
  /** one sentence: what the run will do with `devices` devices (the plan printed and kept in report.json) */
  describe(load: z.output<S>, devices: number): string;
  /**
   * every device's intended start over the whole run, so any shard or worker takes its share
   * exactly: lazy (memory does not grow with `devices`), in index order, which is also time
   * order (offsets never decrease), devices 0, 1, 2, ... up to the last one scheduled
   */
  schedule(load: z.output<S>, devices: number): Iterable<Arrival>;
  /** devices in flight at once over the whole run, before it is split among shards and workers */
  inFlight(load: z.output<S>, devices: number): number;
  /** the runner that drives it */
  runner(load: z.output<S>): Runner;
  /** only for a model that searches for the knee */
  kneeSearch?(load: z.output<S>): KneeSearch;
  /** only for a model that reads files (a trace): read and check them once, when the scenario is loaded; throws InputError */
  resolve?(load: z.output<S>, ctx: { file: string; baseDir: string }): z.output<S>;
  /** only for a model that replays time faster: the factor (the embedded emulator's quotas are scaled by it) */
  speed?(load: z.output<S>): number;
  /** only for a model whose resolved section is too big for the report: what report.json keeps */
  forReport?(load: z.output<S>): z.output<S>;
  /**
   * where the command line's shortcuts write (scenario/overrides.ts): `concurrency` names the
   * field `--concurrency` sets; `rate` gives the path `--rate` sets in the raw (unchecked) section,
   * or why this model has no single rate. Absent: the model has no such field.
   */
  shortcuts?: {
    concurrency?: string;
    rate?(raw: Record<string, unknown>): { path: string } | { none: string };
  };
}

/** Identity, for type inference: `export const fooModel = defineLoadModel({...})`. */
export function defineLoadModel<S extends z.ZodType<LoadSection>>(model: LoadModel<S>): LoadModel<S> {
  return model;
}
