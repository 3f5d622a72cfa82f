/** The generator watching itself: event-loop delay and utilisation of the current thread. */
import { monitorEventLoopDelay, performance, type EventLoopUtilization } from 'node:perf_hooks';
import type { GeneratorHealth } from './protocol.js';
import { LATE_START_MS } from './run-share.js';

export class HealthProbe {
  private readonly delay = monitorEventLoopDelay({ resolution: 10 });
  private elu: EventLoopUtilization = performance.eventLoopUtilization();
  private starts = 0;
  private lateStarts = 0;

  constructor() {
    this.delay.enable();
  }

  noteStart(lateMs: number): void {
    this.starts++;
    if (lateMs > LATE_START_MS) this.lateStarts++;
  }

  /** Figures since the previous call. */
  take(): GeneratorHealth {
    const now = performance.eventLoopUtilization();
    const diff = performance.eventLoopUtilization(now, this.elu);
    this.elu = now;
    const h: GeneratorHealth = {
      eventLoopP99Ms: this.delay.count > 0 ? this.delay.percentile(99) / 1e6 : 0,
      eventLoopMaxMs: this.delay.count > 0 ? this.delay.max / 1e6 : 0,
      utilization: diff.utilization,
      starts: this.starts,
      lateStarts: this.lateStarts,
      heapUsed: process.memoryUsage().heapUsed,
    };
    this.delay.reset();
    this.starts = 0;
    this.lateStarts = 0;
    return h;
  }

  stop(): void {
    this.delay.disable();
  }
}
