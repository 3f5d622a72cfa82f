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
  /** every device's intended start over the whole run, so any shard or worker takes its share exactly */
  schedule(load: z.output<S>, devices: number): Arrival[];
  /** devices in flight at once over the whole run, before it is split among shards and workers */
  inFlight(load: z.output<S>, devices: number): number;
  /** the runner that drives it */
  runner(load: z.output<S>): Runner;
  /** only for a model that searches for the knee */
  kneeSearch?(load: z.output<S>): KneeSearch;
}

/** Identity, for type inference: `export const fooModel = defineLoadModel({...})`. */
export function defineLoadModel<S extends z.ZodType<LoadSection>>(model: LoadModel<S>): LoadModel<S> {
  return model;
}
