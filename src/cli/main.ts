/**
 * The fleetsim CLI: parses argv with yargs, calls the library, prints for the user and maps
 * results and errors to exit codes (cli/exit-codes.ts). The only module that exits.
 */
import { readFileSync } from 'node:fs';
import yargs, { type Argv } from 'yargs';
import { hideBin } from 'yargs/helpers';
import { ExitCode } from './exit-codes.js';
import { commandRun } from './commands/run.js';
import { commandValidate } from './commands/validate.js';
import { commandReport } from './commands/report.js';
import { commandReportCompare } from './commands/report-compare.js';
import { commandReportMerge } from './commands/report-merge.js';
import { commandCleanup } from './commands/cleanup.js';
import { commandInitAws } from './commands/init.js';
import { commandEmulator } from './commands/emulator.js';
import { endQuietlyOnClosedOutput, reportError, setColorFlag, UsageError } from './output.js';
import { InputError, resolveEmulatorSection } from '../index.js';
import { DEFAULT_TOLERANCE } from './finish-report.js';
import { overridesFrom, withOverrideOptions } from './overrides-options.js';
import { commandSweep } from './commands/sweep.js';

/** the emulator section's defaults, from the scenario schema (shown in --help) */
const EMULATOR_DEFAULTS = resolveEmulatorSection({});

/** package.json's version (dist/src/cli/main.js → ../../../package.json) */
const VERSION = (JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

const NO_COMMAND = 'name a command';

/** The help yargs would print for the command being parsed (the top level when none). */
function helpText(y: Argv): string {
  let text = '';
  y.showHelp((s: string) => (text = s));
  return text;
}

/** A yargs failure as a message that names the command and what is wrong, with that command's usage. */
function usageFailure(msg: string, y: Argv): Error {
  const help = helpText(y);
  if (msg === NO_COMMAND) return new UsageError(`${NO_COMMAND}:`, help);
  const usageLine = help.split('\n')[0] ?? '';
  const command = usageLine.replace(/\s[<[].*$/, '').trim() || 'fleetsim';
  const notEnough = /got (\d+), need at least (\d+)/.exec(msg);
  const required = /^Missing required arguments?: (.+)$/.exec(msg);
  if (notEnough !== null || required !== null) {
    const names = [...usageLine.matchAll(/<([^>]+)>/g)].map((m) => m[1]!.replace(/\.\.$/, ''));
    const missing =
      notEnough !== null ? names.slice(Number(notEnough[1]), Math.max(Number(notEnough[2]), Number(notEnough[1]) + 1)) : required![1]!.split(/,\s*/);
    const name = command.replace(/^fleetsim ?/, '');
    // `fleetsim report` alone: its default subcommand wants a run folder
    const list = missing.length > 0 ? missing.map((n) => `<${n}>`).join(' ') : name === 'report' ? '<run-dir> (or a subcommand: compare, merge)' : 'an argument';
    return new UsageError(`${name}: missing ${list}`, help);
  }
  const name = command.replace(/^fleetsim ?/, '');
  return new InputError(`${name === '' ? '' : `${name}: `}${msg}`, { hint: `run \`${command} --help\` for usage` });
}

async function main(argv: string[]): Promise<number> {
  let code: number = ExitCode.Pass;
  const parser = yargs(argv)
    .scriptName('fleetsim')
    .usage('$0 <command> [options]\n\nLoad-test AWS IoT Core fleet provisioning by claim, against the embedded emulator or AWS.')
    .option('color', { type: 'boolean', global: true, describe: 'colour on or off (default: on for a terminal; NO_COLOR and FORCE_COLOR are honoured)' })
    .middleware((args) => setColorFlag(args.color as boolean | undefined))
    .command(
      'run <scenario>',
      'run a scenario file (YAML or JSON)',
      (y) =>
        withOverrideOptions(y)
          .positional('scenario', { type: 'string', demandOption: true, describe: 'scenario file, e.g. scenarios/quickstart.yaml' })
          .option('workers', { type: 'number', describe: 'generator worker threads (default: cores, minus one for the embedded emulator)' })
          .option('out', { type: 'string', describe: 'folder for run folders (default: reports/ beside the scenarios folder)' })
          .option('shard', { type: 'string', describe: 'run one shard: current/all, 1-based, e.g. 2/4' })
          .option('run-id', { type: 'string', describe: 'run folder name (default: timestamp + random); shards of one run share it' })
          .option('plan', { type: 'boolean', default: false, describe: 'print the load plan and exit without running' })
          .option('quiet', { alias: 'q', type: 'boolean', default: false, describe: 'no live progress; summary only' })
          .option('confirm', { type: 'boolean', default: false, describe: 'allow a run of more than 100 devices against AWS (it creates real things and certificates)' })
          .option('dry-run', { type: 'boolean', default: false, describe: 'run ONE device through the flow and print every step: checks credentials, endpoint and template' })
          .option('save-credentials', { type: 'string', describe: 'write each issued certificate and private key to DIR as <thingName>.cert.pem / .private.key (mode 0600)' })
          .option('report', { type: 'string', describe: 'report files to write: html,json,junit (default: all three)' })
          .option('baseline', { type: 'string', describe: 'a previous run folder or report.json: compare with it (HTML, report.json; exit 1 on a regression)' })
          .option('tolerance', { type: 'string', default: DEFAULT_TOLERANCE, describe: 'regression tolerance for --baseline' }),
      async (args) => {
        code = await commandRun({
          confirm: args.confirm,
          dryRun: args['dry-run'],
          saveCredentials: args['save-credentials'],
          report: args.report,
          baseline: args.baseline,
          tolerance: args.tolerance,
          scenario: args.scenario,
          workers: args.workers,
          out: args.out,
          shard: args.shard,
          runId: args['run-id'],
          plan: args.plan,
          quiet: args.quiet,
          color: args.color as boolean | undefined,
          overrides: overridesFrom(args),
        });
      },
    )
    .command(
      'validate <scenario>',
      'check a scenario file and its templates; lists every problem',
      (y) => withOverrideOptions(y).positional('scenario', { type: 'string', demandOption: true }),
      async (args) => {
        code = await commandValidate(args.scenario, overridesFrom(args));
      },
    )
    .command(
      'sweep <scenario>',
      'run a scenario once per value of --set path=v1,v2,... against the embedded emulator, and compare the runs',
      (y) =>
        withOverrideOptions(y)
          .positional('scenario', { type: 'string', demandOption: true, describe: 'scenario file, e.g. scenarios/incident-replay.yaml' })
          .option('until', { type: 'string', describe: "stop at the first value that meets this, e.g. 'p99(provision) < 10m'" })
          .option('out', { type: 'string', describe: 'folder for the sweep folder (default: reports/ beside the scenarios folder)' })
          .option('quiet', { alias: 'q', type: 'boolean', default: false, describe: 'one line per run' })
          .option('color', { type: 'boolean', describe: 'force colour on or off (default: on for a terminal)' }),
      async (args) => {
        code = await commandSweep({ scenario: args.scenario, overrides: overridesFrom(args), until: args.until, out: args.out, quiet: args.quiet, color: args.color });
      },
    )
    .command('report', 'rebuild, merge or compare reports (fleetsim report --help)', (y) =>
      y
        .command(
          'compare <baseline> <current>',
          'compare two runs (run folders or report.json): per-step p50/p90/p99 and per-API accepted rate; exit 1 on a regression',
          (y2) =>
            y2
              .positional('baseline', { type: 'string', demandOption: true, describe: 'the earlier run (folder or report.json)' })
              .positional('current', { type: 'string', demandOption: true, describe: 'the run to check (folder or report.json)' })
              .option('tolerance', { type: 'string', default: DEFAULT_TOLERANCE, describe: 'a change beyond this is a regression' })
              .option('json', { type: 'boolean', default: false, describe: 'print the comparison as JSON' }),
          async (args) => {
            code = await commandReportCompare({ baseline: args.baseline, current: args.current, tolerance: args.tolerance, json: args.json });
          },
        )
        .command(
          'merge <dirs..>',
          'merge the shard folders of one run (or the run folder holding shard-i-of-n folders) and write every report',
          (y2) =>
            y2
              .positional('dirs', { type: 'string', array: true, demandOption: true, describe: 'shard folders, e.g. reports/<run-id>/shard-*' })
              .option('out', { type: 'string', describe: 'folder for the merged reports (default: the shards\' parent folder)' })
              .option('report', { type: 'string', describe: 'report files to write: html,json,junit (default: all three)' })
              .option('baseline', { type: 'string', describe: 'a previous run folder or report.json: compare the merged run with it (exit 1 on a regression)' })
              .option('tolerance', { type: 'string', default: DEFAULT_TOLERANCE, describe: 'regression tolerance for --baseline' })
              .option('quiet', { alias: 'q', type: 'boolean', default: false }),
          async (args) => {
            code = await commandReportMerge({ dirs: args.dirs, out: args.out, report: args.report, quiet: args.quiet, baseline: args.baseline, tolerance: args.tolerance });
          },
        )
        .command(
          '$0 <run-dir>',
          'rebuild every report of a run folder from its events.jsonl (e.g. after a crash)',
          (y2) =>
            y2
              .positional('run-dir', { type: 'string', demandOption: true })
              .option('report', { type: 'string', describe: 'report files to write: html,json,junit (default: all three)' })
              .option('baseline', { type: 'string', describe: 'a previous run folder or report.json: compare the rebuilt run with it (exit 1 on a regression)' })
              .option('tolerance', { type: 'string', default: DEFAULT_TOLERANCE, describe: 'regression tolerance for --baseline' })
              .option('quiet', { alias: 'q', type: 'boolean', default: false }),
          async (args) => {
            code = await commandReport(args['run-dir'], { quiet: args.quiet, report: args.report, baseline: args.baseline, tolerance: args.tolerance });
          },
        ),
    )
    .command(
      'cleanup <run-dir>',
      'delete the things and certificates one run created (AWS, or an emulator control plane); resumable',
      (y) =>
        y
          .positional('run-dir', { type: 'string', demandOption: true, describe: 'the run folder, e.g. reports/<run-id>' })
          .option('dry-run', { type: 'boolean', default: false, describe: 'list what would be deleted; no AWS call' })
          .option('region', { type: 'string', describe: 'AWS region (default: the scenario target, then the AWS SDK chain)' })
          .option('endpoint', { type: 'string', describe: 'control-plane URL, e.g. http://127.0.0.1:9443 for a standalone emulator' })
          .option('rate', { type: 'number', describe: 'calls per second per API (default 10, under AWS control-plane quotas)' })
          .option('concurrency', { type: 'number', describe: 'resources worked on at once (default 4)' }),
      async (args) => {
        code = await commandCleanup({
          runDir: args['run-dir'],
          dryRun: args['dry-run'],
          region: args.region,
          endpoint: args.endpoint,
          rate: args.rate,
          concurrency: args.concurrency,
          color: args.color as boolean | undefined,
        });
      },
    )
    .command(
      'init <kind>',
      'write a starter scenario, template and policies for AWS, and print the AWS CLI setup commands',
      (y) =>
        y
          .positional('kind', { type: 'string', choices: ['aws'], demandOption: true, describe: 'what to set up: aws' })
          .option('dir', { type: 'string', default: 'fleetsim-aws', describe: 'folder to write into' })
          .option('region', { type: 'string', describe: 'AWS region for the policies (default: *)' })
          .option('template-name', { type: 'string', default: 'fleetsim-template', describe: 'provisioning template name' })
          .option('account-id', { type: 'string', describe: '12-digit AWS account ID for the policies (default: *)' })
          .option('force', { type: 'boolean', default: false, describe: 'overwrite existing files' }),
      (args) => {
        code = commandInitAws({ dir: args.dir, region: args.region, templateName: args['template-name'], accountId: args['account-id'], force: args.force });
      },
    )
    .command(
      'emulator',
      'run the emulator on its own, for firmware or AWS SDK samples (Ctrl-C saves its state)',
      (y) =>
        y
          .option('port', { type: 'number', default: 8883, describe: 'MQTT over mutual TLS port (0: any free port)' })
          .option('host', { type: 'string', default: '127.0.0.1', describe: 'address to listen on' })
          .option('dir', { type: 'string', default: '.fleetsim-emulator', describe: 'folder for the root CA, claim certificate and key, claim policy and state' })
          .option('template', { type: 'string', array: true, default: [], describe: 'provisioning template: name=file (repeatable; default: the fleet-prov-test-template example)' })
          .option('hook', { type: 'string', array: true, default: [], describe: 'pre-provisioning hook: template=file[:handler], a Python (.py) or Node.js Lambda handler (repeatable)' })
          .option('key-algorithm', { type: 'string', choices: ['ec-p256', 'rsa-2048'] as const, default: EMULATOR_DEFAULTS.keyAlgorithm, describe: 'keys made by CreateKeysAndCertificate' })
          .option('state', { type: 'string', describe: 'registry state file (default: <dir>/state.json)' })
          .option('control-plane-port', { type: 'number', describe: 'also serve the AWS IoT control-plane API (ListThings, ...) on this port (0: any free port)' })
          .option('thing-group', { type: 'string', array: true, default: [], describe: 'a thing group that exists (repeatable); when given, templates naming another fail RegisterThing' })
          .option('thing-type', { type: 'string', array: true, default: [], describe: 'a thing type that exists (repeatable); when given, templates naming another fail RegisterThing' })
          .option('tls-session-resumption', { type: 'boolean', describe: 'resume TLS sessions from tickets (off: every connect is a full handshake; AWS does not document it)' })
          .option('verbose', { alias: 'v', type: 'boolean', default: false, describe: 'one line per connect, disconnect, subscribe, request and reply (default: a summary every 10 s while there is traffic)' })
          .option('release-memory', { type: 'boolean', default: true, describe: 'hand memory freed by closed connections back to the OS (Linux, glibc; --no-release-memory: leave it to the allocator)' }),
      async (args) => {
        code = await commandEmulator({
          releaseMemory: args['release-memory'],
          port: args.port,
          host: args.host,
          dir: args.dir,
          template: args.template,
          hook: args.hook,
          keyAlgorithm: args['key-algorithm'],
          state: args.state,
          controlPlanePort: args['control-plane-port'],
          tlsSessionResumption: args['tls-session-resumption'],
          thingGroup: args['thing-group'],
          thingType: args['thing-type'],
          verbose: args.verbose,
        });
      },
    )
    .demandCommand(1, NO_COMMAND)
    .strict()
    .help()
    .alias('help', 'h')
    .version(VERSION)
    .alias('version', 'V')
    .exitProcess(false)
    .fail((msg, err, y) => {
      // throwing stops yargs before any command handler runs
      if (err !== undefined && err !== null) throw err;
      throw usageFailure(msg, y);
    });
  await parser.parseAsync();
  return code;
}

endQuietlyOnClosedOutput();
main(hideBin(process.argv)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.exitCode = reportError(err);
  },
);
