/**
 * Before a run starts: will the planned concurrency fit in this process's open-file limit and
 * the loopback ephemeral port range? Say what to change now instead of failing half-way with
 * EMFILE or EADDRNOTAVAIL. Linux reads /proc; elsewhere the checks are skipped.
 */
import { readFileSync } from 'node:fs';

export interface CapacityLimits {
  /** soft limit of open files for this process, or undefined if unknown */
  openFiles?: number;
  /** hard limit of open files (how far `ulimit -n` may raise the soft one without privileges); undefined if unknown or unlimited */
  openFilesHard?: number;
  /** size of the ephemeral port range, or undefined if unknown */
  ephemeralPorts?: number;
  /** net.ipv4.tcp_tw_reuse (0, 1, 2) */
  tcpTwReuse?: number;
}

export function readCapacityLimits(): CapacityLimits {
  const limits: CapacityLimits = {};
  try {
    const m = /Max open files\s+(\d+|unlimited)\s+(\d+|unlimited)/.exec(readFileSync('/proc/self/limits', 'utf8'));
    if (m !== null && m[1] !== 'unlimited') limits.openFiles = Number(m[1]);
    if (m !== null && m[2] !== 'unlimited') limits.openFilesHard = Number(m[2]);
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
    if (need > limits.openFiles) problems.push(openFilesProblem(plan, limits.openFiles, limits.openFilesHard, need, perDevice));
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

/**
 * What an open-file limit too low for the plan allows, and how to raise it: `ulimit -n` up to the
 * hard limit, beyond it the hard limit itself. Lowering the concurrency is offered only when the
 * limit leaves room for some devices.
 */
function openFilesProblem(plan: CapacityPlan, soft: number, hard: number | undefined, need: number, perDevice: number): string {
  const allows = Math.floor((soft - FD_OVERHEAD) / perDevice);
  // a round number at or above the need, within the hard limit when there is one
  const wanted = Math.ceil(need / 1024) * 1024;
  const raise =
    hard === undefined || hard >= need
      ? `raise it in the shell that starts fleetsim: \`ulimit -n ${hard === undefined ? wanted : Math.min(wanted, hard)}\`${hard === undefined ? '' : ` (the hard limit is ${hard})`}`
      : `the hard limit is ${hard}, so \`ulimit -n ${hard}\` is as far as the shell can go; raise the hard limit first (nofile in /etc/security/limits.conf, LimitNOFILE= for a systemd service, --ulimit nofile=${wanted}:${wanted} for docker run)`;
  const room =
    allows >= 1
      ? `it allows about ${allows} device${allows === 1 ? '' : 's'} in flight (${FD_OVERHEAD} kept for fleetsim's own files)`
      : `it leaves no room for devices: fleetsim keeps about ${FD_OVERHEAD} for its own files`;
  const lower = allows >= 1 ? `, or lower the concurrency/maxInFlight to ${allows} or less` : '';
  return (
    `${plan.concurrentDevices} devices in flight need about ${need} open files${plan.embeddedEmulator ? ' (client and embedded-emulator sockets share this process)' : ''}, ` +
    `but this process may open ${soft} (ulimit -n): ${room}. To run this plan, ${raise}${lower}` +
    `${plan.embeddedEmulator ? ', run the emulator as its own process (`fleetsim emulator`)' : ''}, or split the run into shards (--shard i/n) on separate processes.`
  );
}
