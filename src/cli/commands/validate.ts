import { loadScenario, loadTemplates, describeLoad, loadAwsTargetInfo } from '../../index.js';
import { ExitCode } from '../exit-codes.js';
import { out, reportError } from '../output.js';

export async function commandValidate(file: string): Promise<number> {
  try {
    const loaded = await loadScenario(file);
    if (loaded.scenario.target.type === 'emulator') loadTemplates(loaded);
    else loadAwsTargetInfo(loaded); // the claim certificate, key and CA files: readable, PEM, matching
    const s = loaded.scenario;
    out(`${file}: OK`);
    out(`  ${s.fleet.devices} devices, template ${s.fleet.templateName}, target ${s.target.type}`);
    out(`  ${describeLoad(s.load, s.fleet.devices)}`);
    return ExitCode.Pass;
  } catch (e) {
    return reportError(e);
  }
}
