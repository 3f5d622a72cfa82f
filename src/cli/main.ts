/**
 * The fleetsim CLI: parses argv with yargs, calls the library, prints for the user and maps
 * results and errors to exit codes (cli/exit-codes.ts). The only module that exits.
 */
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { ExitCode } from './exit-codes.js';
import { commandRun } from './commands/run.js';
import { commandValidate } from './commands/validate.js';
import { commandReport } from './commands/report.js';
import { reportError } from './output.js';
import { InputError } from '../util/errors.js';

async function main(argv: string[]): Promise<number> {
  let code: number = ExitCode.Pass;
  const parser = yargs(argv)
    .scriptName('fleetsim')
    .usage('$0 <command> [options]\n\nLoad-test AWS IoT Core fleet provisioning by claim, against the embedded emulator or AWS.')
    .command(
      'run <scenario>',
      'run a scenario file (YAML or JSON)',
      (y) =>
        y
          .positional('scenario', { type: 'string', demandOption: true, describe: 'scenario file, e.g. scenarios/quickstart.yaml' })
          .option('workers', { type: 'number', describe: 'generator worker threads (default: cores, minus one for the embedded emulator)' })
          .option('out', { type: 'string', describe: 'folder for run folders (default: reports/ beside the scenarios folder)' })
          .option('shard', { type: 'string', describe: 'run one shard: current/all, 1-based, e.g. 2/4' })
          .option('run-id', { type: 'string', describe: 'run folder name (default: timestamp + random); shards of one run share it' })
          .option('plan', { type: 'boolean', default: false, describe: 'print the load plan and exit without running' })
          .option('quiet', { alias: 'q', type: 'boolean', default: false, describe: 'no live progress; summary only' })
          .option('color', { type: 'boolean', describe: 'force colour on or off (default: on for a terminal)' }),
      async (args) => {
        code = await commandRun({
          scenario: args.scenario,
          workers: args.workers,
          out: args.out,
          shard: args.shard,
          runId: args['run-id'],
          plan: args.plan,
          quiet: args.quiet,
          color: args.color,
        });
      },
    )
    .command(
      'validate <scenario>',
      'check a scenario file and its templates; lists every problem',
      (y) => y.positional('scenario', { type: 'string', demandOption: true }),
      async (args) => {
        code = await commandValidate(args.scenario);
      },
    )
    .command(
      'report <run-dir>',
      'rebuild report.json from a run folder (events.jsonl), e.g. after a crash',
      (y) => y.positional('run-dir', { type: 'string', demandOption: true }).option('quiet', { alias: 'q', type: 'boolean', default: false }),
      async (args) => {
        code = await commandReport(args['run-dir'], { quiet: args.quiet });
      },
    )
    .demandCommand(1, 'name a command: run, validate or report')
    .strict()
    .help()
    .version(false)
    .exitProcess(false)
    .fail((msg, err) => {
      // throwing stops yargs before any command handler runs
      if (err !== undefined && err !== null) throw err;
      throw new InputError(msg, { hint: 'run `fleetsim --help` for usage' });
    });
  await parser.parseAsync();
  return code;
}

main(hideBin(process.argv)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.exitCode = reportError(err);
  },
);
