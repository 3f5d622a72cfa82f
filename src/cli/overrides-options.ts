/** The scenario overrides every command that loads a scenario takes: --set and its shortcuts (scenario/overrides.ts). */
import type { Argv } from 'yargs';
import type { ScenarioOverrides } from '../index.js';

export function withOverrideOptions<T>(y: Argv<T>) {
  return y
    // not `array: true`, which would swallow the scenario after it; repeated, yargs collects the values
    .option('set', { type: 'string', requiresArg: true, describe: 'change the scenario: path=value, repeatable (e.g. --set fleet.devices=50 --set emulator.quotas.RegisterThing.rate=20)' })
    .option('devices', { type: 'number', describe: 'shortcut for --set fleet.devices=N' })
    .option('concurrency', { type: 'number', describe: 'shortcut: load.concurrency (closed model) or load.maxInFlight (other models)' })
    .option('rate', { type: 'number', describe: "shortcut: arrivals per second of an open model's single stage, or a step model's start" });
}

/** What the parsed flags change in the scenario. */
export function overridesFrom(a: { set?: string | string[] | undefined; devices?: number | undefined; concurrency?: number | undefined; rate?: number | undefined }): ScenarioOverrides {
  const set = a.set === undefined ? [] : Array.isArray(a.set) ? a.set : [a.set];
  return { set: set.map(String), devices: a.devices, concurrency: a.concurrency, rate: a.rate };
}

/** The `--plan` / validate line listing the overrides, or nothing. */
export function overridesLine(overrides: readonly string[] | undefined): string[] {
  return overrides === undefined || overrides.length === 0 ? [] : [`overrides: ${overrides.join(', ')}`];
}
