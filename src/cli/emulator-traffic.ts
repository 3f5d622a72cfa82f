/**
 * `fleetsim emulator`'s traffic lines: with --verbose one line per connect, disconnect, subscribe,
 * request and reply (as `mosquitto -v` does); without it, a one-line summary every 10 s while
 * devices are talking to it. With --verbose also a line each time freed memory goes back to the OS.
 */
import type { MemoryReleaseEvent, TrafficEvent } from '../index.js';

const pad = (n: number, w = 2): string => String(n).padStart(w, '0');
const clock = (d: Date, ms: boolean): string => `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}${ms ? `.${pad(d.getMilliseconds(), 3)}` : ''}`;

/** One event as one line: time, what, client ID, then the topic, status and latency that apply. */
export function formatTrafficEvent(e: TrafficEvent, at: Date = new Date()): string {
  const head = `${clock(at, true)}  ${e.kind.padEnd(10)} ${e.clientId}`;
  switch (e.kind) {
    case 'connect':
      return `${head}  MQTT ${e.protocolVersion === 5 ? '5' : '3.1.1'}  ${e.accepted ? 'accepted' : `${e.throttled ? 'throttled' : 'refused'}: ${e.reason ?? ''}`}`;
    case 'disconnect':
      return `${head}  ${e.reason}`;
    case 'subscribe':
      return `${head}  ${e.filter}  ${e.granted ? 'granted' : 'denied by policy'}`;
    case 'request':
      return `${head}  ${e.topic}`;
    case 'reply': {
      const status = `${e.status}${e.errorCode === undefined ? '' : ` ${e.errorCode}`}`;
      const fate = e.outcome === 'sent' ? '' : e.outcome === 'unsubscribed' ? '  (not sent: the device is not subscribed to it)' : '  (lost: injected dropReplies fault)';
      return `${head}  ${e.topic}  ${status}  ${Math.round(e.latencyMs)} ms${fate}`;
    }
  }
}

const mib = (bytes: number) => Math.round(bytes / 1048576);

/** `--verbose`: one line per trim of freed memory, in the traffic lines' columns. */
export function formatMemoryRelease(e: MemoryReleaseEvent, at: Date = new Date()): string {
  const rss = e.returned ? `RSS ${mib(e.rssBefore)} → ${mib(e.rssAfter)} MiB` : `RSS ${mib(e.rssAfter)} MiB, nothing returned`;
  return `${clock(at, true)}  ${'memory'.padEnd(10)} ${e.closed} closed (${e.reason}): ${rss}, ${e.ms.toFixed(1)} ms`;
}

/** Counts since the last summary; take() gives the line, or nothing when there was no traffic. */
export class TrafficSummary {
  private connects = 0;
  private refused = 0;
  private requests = 0;
  private accepted = 0;
  private client4xx = 0;
  private server5xx = 0;
  private throttled = 0;
  private events = 0;

  add(e: TrafficEvent): void {
    this.events++;
    if (e.kind === 'connect') {
      this.connects++;
      if (!e.accepted) this.refused++;
      if (e.throttled) this.throttled++;
    } else if (e.kind === 'request') this.requests++;
    else if (e.kind === 'reply') {
      if (e.status === 200) this.accepted++;
      else if (e.status >= 500) this.server5xx++;
      else if (e.status >= 400) this.client4xx++;
      if (e.status === 429) this.throttled++;
    }
  }

  take(windowSec: number, at: Date = new Date()): string | undefined {
    if (this.events === 0) return undefined;
    const line =
      `${clock(at, false)}  last ${windowSec} s: ${this.connects} connects (${this.refused} refused), ${this.requests} requests, ` +
      `${this.accepted} accepted, ${this.client4xx} 4xx, ${this.server5xx} 5xx, ${this.throttled} throttled`;
    this.connects = this.refused = this.requests = this.accepted = this.client4xx = this.server5xx = this.throttled = this.events = 0;
    return line;
  }
}
