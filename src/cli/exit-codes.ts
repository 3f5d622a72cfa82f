/** Every exit code fleetsim uses. The README's table is this table. */
export const ExitCode = {
  /** the run completed and every threshold passed */
  Pass: 0,
  /** the run completed but a threshold (or expectation, or regression check) failed */
  ThresholdsFailed: 1,
  /** bad input: scenario file, template, flags, missing files */
  BadInput: 2,
  /** the run could not complete: target unreachable, emulator failed, worker crash that stopped the run */
  RunFailed: 3,
  /** interrupted by SIGINT/SIGTERM; a partial report was still written */
  Interrupted: 130,
} as const;
