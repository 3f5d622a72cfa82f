/** What a generator reports about itself every second (event loop, busy share, late starts, heap). */
export interface GeneratorHealth {
  /** event-loop delay of this worker since the last report, ms */
  eventLoopP99Ms: number;
  eventLoopMaxMs: number;
  /** event-loop utilisation (0-1) since the last report: the worker thread's own CPU busy share */
  utilization: number;
  /** device starts since the last report, and those that started > LATE_START_MS late */
  starts: number;
  lateStarts: number;
  /** heap used by the worker, bytes */
  heapUsed: number;
}
