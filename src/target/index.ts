/** The scenario's target, chosen by `target.type`: one file per kind, one registry line each. */
import type { LoadedScenario } from '../scenario/load.js';
import { prepareAwsTarget } from './aws.js';
import { prepareEmulatorTarget } from './emulator.js';
import type { PreparedTarget, StartedTarget, TargetKind, TargetStartContext } from './types.js';

export type { PreparedTarget, StartedTarget, TargetKind } from './types.js';
export { loadTemplates } from './emulator.js';
export { loadAwsTargetInfo, regionOfEndpoint } from './aws.js';

const TARGETS: Record<TargetKind, (loaded: LoadedScenario) => PreparedTarget> = {
  emulator: prepareEmulatorTarget,
  aws: prepareAwsTarget,
};

/** Read and check what the scenario's target needs (bad input fails here, exit 2); nothing starts yet. */
export function prepareTarget(loaded: LoadedScenario): PreparedTarget {
  return TARGETS[loaded.scenario.target.type](loaded);
}

/** The orchestrator's `startTarget`: the target is prepared now, started when the run calls it. */
export function targetStarter(loaded: LoadedScenario): (ctx?: TargetStartContext) => Promise<StartedTarget> {
  const target = prepareTarget(loaded);
  return (ctx) => target.start(ctx);
}
