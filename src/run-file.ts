/** The library's one-call run: load and check a scenario file, prepare its target, run it. */
import { checkAwsConfirmation } from './aws/safety.js';
import { runScenario, type RunOptions, type RunOutcome } from './orchestrator/run.js';
import { loadScenario } from './scenario/load.js';
import { targetStarter } from './target/index.js';
import { runSweep, type SweepOptions, type SweepOutcome } from './orchestrator/sweep.js';

/** Load, validate and run a scenario file end to end. */
export async function runScenarioFile(file: string, opts: Omit<RunOptions, 'loaded' | 'startTarget'> & { confirm?: boolean } = {}): Promise<RunOutcome> {
  const loaded = await loadScenario(file);
  checkAwsConfirmation(loaded.scenario, { confirm: opts.confirm === true });
  return runScenario({ ...opts, loaded, startTarget: targetStarter(loaded) });
}

/** `fleetsim sweep`: the scenario once per value, each run against its own embedded emulator (orchestrator/sweep.ts). */
export function runSweepFile(opts: Omit<SweepOptions, 'startTarget'>): Promise<SweepOutcome> {
  return runSweep({ ...opts, startTarget: targetStarter });
}
