/** The emulator's own per-second counts, so a report can set what the server did beside what devices saw. */

export class ServerStats {
  private readonly startMs = Date.now();
  readonly perSecond: Record<string, Record<string, number>> = {};
  readonly totals: Record<string, number> = {};

  /** Count `key` (e.g. `received{api=RegisterThing}`) in the current second. */
  count(key: string, n = 1): void {
    const sec = String(Math.floor((Date.now() - this.startMs) / 1000));
    const bucket = (this.perSecond[sec] ??= {});
    bucket[key] = (bucket[key] ?? 0) + n;
    this.totals[key] = (this.totals[key] ?? 0) + n;
  }

  snapshot(): { startedAt: string; perSecond: Record<string, Record<string, number>>; totals: Record<string, number> } {
    return { startedAt: new Date(this.startMs).toISOString(), perSecond: structuredClone(this.perSecond), totals: { ...this.totals } };
  }
}
