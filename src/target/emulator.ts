/**
 * `target: emulator`: the embedded emulator, started in its own worker thread with the scenario's
 * `emulator` section (templates read and checked first, so a bad template fails before anything
 * listens).
 */
import path from 'node:path';
import type { LoadedScenario } from '../scenario/load.js';
import type { LoadedTemplate } from '../emulator/templates/index.js';
import { startEmulatorThread, type EmulatorThread } from '../emulator/hosting/thread.js';
import { emulatorOptionsFor } from '../emulator/hosting/settings.js';
import { readTemplateFiles, type TemplateFileEntry } from '../emulator/hosting/template-files.js';
import { InputError, RunError } from '../util/errors.js';
import type { PreparedTarget, StartedTarget, TargetStartContext } from './types.js';

/** Read and check every template the scenario's emulator section names; all problems at once. */
export function loadTemplates(loaded: LoadedScenario): LoadedTemplate[] {
  const entries = loaded.scenario.emulator.templates.map(
    (t, i): TemplateFileEntry => ({
      name: t.name,
      file: t.file,
      enabled: t.enabled,
      hook: t.hook,
      names: {
        file: `emulator.templates[${i}].file`,
        body: (at, file) => `emulator.templates[${i}] (${path.basename(file)}: ${at})`,
        hook: (field) => `emulator.templates[${i}].${field}`,
      },
    }),
  );
  const { templates, issues } = readTemplateFiles(entries, loaded.baseDir);
  if (issues.length > 0) {
    throw new InputError(`${loaded.file}: ${issues.length} problem${issues.length === 1 ? '' : 's'} in the provisioning templates`, {
      file: loaded.file,
      issues,
    });
  }
  return templates;
}

function describeEmulator(emu: EmulatorThread): string {
  return `emulator ${emu.host}:${emu.port}${emu.controlPlaneUrl === undefined ? '' : `, control plane ${emu.controlPlaneUrl}`}`;
}

/** The embedded emulator, its templates read now; start() runs it in its own thread. */
export function prepareEmulatorTarget(loaded: LoadedScenario): PreparedTarget {
  const s = loaded.scenario;
  if (s.target.type !== 'emulator') throw new Error('prepareEmulatorTarget needs target.type emulator');
  const templates = loadTemplates(loaded);
  const { host, port } = s.target;
  const start = async (ctx?: TargetStartContext): Promise<StartedTarget> => {
    // each hook environment's log stream: <run-dir>/hook-logs/<template>/<stream>.log
    const hookLogs = ctx === undefined ? undefined : { dir: path.join(ctx.runDir, 'hook-logs'), displayBase: ctx.runDir };
    let emu: EmulatorThread;
    try {
      emu = await startEmulatorThread({ ...emulatorOptionsFor(s.emulator), host, port, templates, ...(hookLogs === undefined ? {} : { hookLogs }) });
    } catch (err) {
      if ((err as { exitCategory?: string }).exitCategory === 'badInput') {
        throw new InputError(`${loaded.file}: the emulator could not start: ${(err as Error).message}`, { file: loaded.file, cause: err });
      }
      throw new RunError('EMULATOR_START_FAILED', `the embedded emulator could not start: ${(err as Error).message}`, {
        hint: port !== 0 ? `is port ${port} already in use? use port: 0 for any free port` : undefined,
        cause: err,
      });
    }
    return {
      info: { host: emu.host, port: emu.port, servername: 'localhost', caPem: emu.caPem, claimCertPem: emu.claimCertPem, claimKeyPem: emu.claimKeyPem },
      label: describeEmulator(emu),
      stats: () => emu.stats(),
      close: () => emu.close(),
    };
  };
  return { kind: 'emulator', start };
}
