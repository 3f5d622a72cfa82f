/**
 * Before a run starts: will the planned concurrency fit in this process's open-file limit and
 * the loopback ephemeral port range? Say what to change now instead of failing half-way with
 * EMFILE or EADDRNOTAVAIL. Linux reads /proc; elsewhere the checks are skipped.
 */
import { readFileSync } from 'node:fs';

export interface CapacityLimits {
  /** soft limit of open files for this process, or undefined if unknown */
  openFiles?: number;
  /** size of the ephemeral port range, or undefined if unknown */
  ephemeralPorts?: number;
  /** net.ipv4.tcp_tw_reuse (0, 1, 2) */
  tcpTwReuse?: number;
}

export function readCapacityLimits(): CapacityLimits {
  const limits: CapacityLimits = {};
  try {
    const m = /Max open files\s+(\d+|unlimited)/.exec(readFileSync('/proc/self/limits', 'utf8'));
    if (m !== null && m[1] !== 'unlimited') limits.openFiles = Number(m[1]);
  } catch {
    /* not Linux */
  }
  try {
    const [lo, hi] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    if (lo !== undefined && hi !== undefined) limits.ephemeralPorts = hi - lo + 1;
  } catch {
    /* not Linux */
  }
  try {
    limits.tcpTwReuse = Number(readFileSync('/proc/sys/net/ipv4/tcp_tw_reuse', 'utf8').trim());
  } catch {
    /* not Linux */
  }
  return limits;
}

export interface CapacityPlan {
  /** devices that may hold a connection at the same time (closed: concurrency; open/burst: maxInFlight) */
  concurrentDevices: number;
  /** the embedded emulator runs in this process and holds the server side of every connection */
  embeddedEmulator: boolean;
  /** total connections the run opens (each device: claim + verify) */
  totalConnections: number;
}

export interface CapacityVerdict {
  problems: string[];
  warnings: string[];
}

/** File descriptors the process needs besides sockets (files, pipes, threads, the listener). */
const FD_OVERHEAD = 256;

export function checkCapacity(plan: CapacityPlan, limits: CapacityLimits = readCapacityLimits()): CapacityVerdict {
  const problems: string[] = [];
  const warnings: string[] = [];
  const perDevice = plan.embeddedEmulator ? 2 : 1; // client socket + the emulator's server socket
  if (limits.openFiles !== undefined) {
    const need = plan.concurrentDevices * perDevice + FD_OVERHEAD;
    if (need > limits.openFiles) {
      const fits = Math.max(1, Math.floor((limits.openFiles - FD_OVERHEAD) / perDevice));
      problems.push(
        `${plan.concurrentDevices} devices in flight need about ${need} open files${plan.embeddedEmulator ? ' (client and embedded-emulator sockets share this process)' : ''}, ` +
          `but this process may open ${limits.openFiles} (ulimit -n). Lower the concurrency/maxInFlight to ${fits} or less, raise \`ulimit -n\` if you can, ` +
          `${plan.embeddedEmulator ? 'run the emulator as its own process (`fleetsim emulator`), ' : ''}or split the run into shards (--shard i/n) on separate processes.`,
      );
    }
  }
  if (limits.ephemeralPorts !== undefined) {
    if (plan.concurrentDevices > limits.ephemeralPorts * 0.9) {
      problems.push(
        `${plan.concurrentDevices} concurrent connections to one address need more than the ${limits.ephemeralPorts} local ports one source address has ` +
          '(net.ipv4.ip_local_port_range). Lower maxInFlight, or split the run into shards on separate machines.',
      );
    } else if (limits.tcpTwReuse === 0 && plan.totalConnections > limits.ephemeralPorts * 0.8) {
      warnings.push(
        `the run opens ${plan.totalConnections} connections and closed ones wait in TIME_WAIT for 60 s; with net.ipv4.tcp_tw_reuse=0 ` +
          `the ${limits.ephemeralPorts} local ports may run out (EADDRNOTAVAIL). Pace arrivals, or enable tcp_tw_reuse.`,
      );
    }
  }
  return { problems, warnings };
}
