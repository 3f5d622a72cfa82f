/** `fleetsim validate <scenario>`: check the scenario and everything its target needs, start nothing. */
import { describeLoad, loadScenario, prepareTarget, type ScenarioOverrides } from '../../index.js';
import { overridesLine } from '../overrides-options.js';
import { ExitCode } from '../exit-codes.js';
import { out, reportError } from '../output.js';

export async function commandValidate(file: string, overrides: ScenarioOverrides = {}): Promise<number> {
  try {
    const loaded = await loadScenario(file, process.env, overrides);
    // the emulator's templates and hooks, or AWS's claim certificate, key and CA files (readable, PEM, matching)
    prepareTarget(loaded);
    const s = loaded.scenario;
    out(`${file}: OK`);
    out(`  ${s.fleet.devices} devices, template ${s.fleet.templateName}, target ${s.target.type}`);
    out(`  ${describeLoad(s.load, s.fleet.devices)}`);
    for (const note of loaded.notes ?? []) out(`  note: ${note}`);
    for (const line of overridesLine(loaded.overrides)) out(`  ${line}`);
    return ExitCode.Pass;
  } catch (e) {
    return reportError(e);
  }
}
