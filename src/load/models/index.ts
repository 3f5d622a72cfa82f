/**
 * The load models, by `load.model` name: the one place that chooses by model. The scenario
 * schema, the plan, the schedule, the in-flight slots, the runner and the knee search all ask
 * here. Adding a model: its own file beside this one (see types.ts) and one entry in LOAD_MODELS.
 */
import { z } from 'zod';
import type { Arrival } from '../arrivals.js';
import { burstModel } from './burst.js';
import { closedModel } from './closed.js';
import { openModel } from './open.js';
import { stepModel } from './step.js';
import type { KneeSearch, LoadModel, LoadSection, Runner } from './types.js';

export const LOAD_MODELS = [closedModel, openModel, burstModel, stepModel] as const;

type SchemaOf<M> = M extends LoadModel<infer S> ? S : never;
type SchemasOf<T extends readonly unknown[]> = { -readonly [K in keyof T]: SchemaOf<T[K]> };
type Schemas = SchemasOf<typeof LOAD_MODELS>;

const names = LOAD_MODELS.map((m) => m.name);

/** The scenario's `load` section: one of the models, chosen by `model`. */
export const loadSchema = z.discriminatedUnion('model', LOAD_MODELS.map((m) => m.schema) as unknown as Schemas, {
  error: `must have model: ${names.slice(0, -1).join(', ')} or ${names[names.length - 1]}`,
});

export type LoadConfig = z.output<typeof loadSchema>;
export type LoadModelName = LoadConfig['model'];

const byName = new Map<string, LoadModel<z.ZodType<LoadSection>>>(LOAD_MODELS.map((m) => [m.name, m as unknown as LoadModel<z.ZodType<LoadSection>>]));

/** The definition of `load`'s model. */
export function loadModel(load: LoadConfig): LoadModel<z.ZodType<LoadSection>> {
  const m = byName.get(load.model);
  if (m === undefined) throw new TypeError(`unknown load model ${JSON.stringify(load.model)}`);
  return m;
}

/** The plan in one sentence. */
export function describeLoad(load: LoadConfig, devices: number): string {
  return loadModel(load).describe(load, devices);
}

/** Every device's intended start over the whole run. */
export function scheduleArrivals(load: LoadConfig, devices: number): Arrival[] {
  return loadModel(load).schedule(load, devices);
}

/** Devices in flight at once over the whole run, before the split among shards and workers. */
export function inFlightSlots(load: LoadConfig, devices: number): number {
  return loadModel(load).inFlight(load, devices);
}

export function loadRunner(load: LoadConfig): Runner {
  return loadModel(load).runner(load);
}

/** The knee search the run asks for, if its model searches for one. */
export function kneeSearchOf(load: LoadConfig): KneeSearch | undefined {
  return loadModel(load).kneeSearch?.(load);
}

export type { Arrival, KneeSearch, LoadModel, Runner };
