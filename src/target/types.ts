/**
 * What a run connects to, behind one interface whatever its kind (Artillery's lib/platform/* is
 * the model): preparing a target reads and checks everything it needs from the scenario, so bad
 * input fails before anything starts; starting it gives the orchestrator a StartedTarget.
 */
import type { StartedTarget } from '../orchestrator/run.js';

export type { StartedTarget };

/** The target kinds a scenario can name (`target.type`). */
export type TargetKind = 'emulator' | 'aws';

/** What the run tells a target when starting it. */
export interface TargetStartContext {
  /** the run folder (the emulator writes hook logs under it) */
  runDir: string;
}

export interface PreparedTarget {
  kind: TargetKind;
  /** start the target (the embedded emulator) or do nothing (AWS); close the result when the run ends */
  start(ctx?: TargetStartContext): Promise<StartedTarget>;
}
