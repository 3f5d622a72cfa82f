/**
 * What a run connects to, behind one interface whatever its kind (Artillery's lib/platform/* is
 * the model): preparing a target reads and checks everything it needs from the scenario, so bad
 * input fails before anything starts; starting it gives the orchestrator a StartedTarget.
 */
import type { StartedTarget } from '../orchestrator/run.js';

export type { StartedTarget };

/** The target kinds a scenario can name (`target.type`). */
export type TargetKind = 'emulator' | 'aws';

export interface PreparedTarget {
  kind: TargetKind;
  /** start the target (the embedded emulator) or do nothing (AWS); close the result when the run ends */
  start(): Promise<StartedTarget>;
}
