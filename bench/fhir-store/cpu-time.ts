// CPU time spent in a measured window, per process and for the whole machine, from /proc (Linux).
// The benchmarks share 2 cores between the load generator, the server and PostgreSQL: where a
// request's CPU time goes, and whether the cores were busy at all, says more than its latency.
import { readdirSync, readFileSync } from 'node:fs';

/** Linux clock ticks per second (`getconf CLK_TCK`), the unit of /proc/<pid>/stat times. */
const CLOCK_TICKS_PER_SECOND = 100;

/**
 * A process's parent id and CPU time (user + system) so far, from one read of /proc/<pid>/stat, and
 * that of its children that have ended and been waited for.
 */
function readProcessStat(pid: number | string): { parentPid: number; cpuMs: number; endedChildrenCpuMs: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces) start at state, field 3; the parent is field 4,
  // utime and stime are 14 and 15, cutime and cstime (ended children) 16 and 17.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ms = (first: number) => ((Number(fields[first]) + Number(fields[first + 1])) * 1000) / CLOCK_TICKS_PER_SECOND;
  return { parentPid: Number(fields[1]), cpuMs: ms(11), endedChildrenCpuMs: ms(13) };
}

/**
 * CPU time (user + system) a process has used so far, in milliseconds. A noisy neighbour lengthens
 * wall times far more than the CPU time a request needs.
 */
export function processCpuMs(pid: number): number {
  return readProcessStat(pid).cpuMs;
}

/**
 * CPU time of a PostgreSQL cluster so far: the postmaster and its children (backends, WAL writer,
 * checkpointer, ...), which work on the same cores as the server. Backends that have ended count
 * too (the postmaster waits for each): a pool closing idle connections in the measured window
 * would otherwise take their whole lives' CPU time out of the window's.
 */
export function clusterCpuMs(postmasterPid: number): number {
  const postmaster = readProcessStat(postmasterPid);
  let total = postmaster.cpuMs + postmaster.endedChildrenCpuMs;
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) {
      continue;
    }
    try {
      const child = readProcessStat(name);
      if (child.parentPid === postmasterPid) {
        total += child.cpuMs;
      }
    } catch {
      // The process ended between listing and reading.
    }
  }
  return total;
}

/**
 * The machine's busy and total CPU time so far, in clock ticks, from the first line of /proc/stat
 * (idle and iowait count as not busy). Clients that wait on something other than CPU leave the
 * machine partly idle: their rate falls by more than their CPU per request rises.
 */
function machineCpuTicks(): { busy: number; total: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0] ?? '';
  // cpu user nice system idle iowait irq softirq steal guest guest_nice; guest time is already in user.
  const ticks = line.trim().split(/\s+/).slice(1, 9).map(Number);
  const total = ticks.reduce((sum, value) => sum + value, 0);
  return { busy: total - (ticks[3] ?? 0) - (ticks[4] ?? 0), total };
}

/** Where the CPU time of a window went, per operation, and how busy the machine was. */
export type CpuPerOperation = {
  /** The server process. */
  serverMs: number;
  /** Every process of the PostgreSQL cluster; absent for the embedded database (inside the server). */
  databaseMs?: number;
  /** This process: the load generator. */
  clientMs: number;
  /** Busy share of all cores' time in the window, every process included. */
  machineBusy: number;
};

type Sample = { server: number; database: number; client: number; machine: { busy: number; total: number } };

/**
 * CPU times sampled at the start and end of a measured window — on timers at its bounds, while the
 * load runs — and divided by the operations completed in it.
 */
export class CpuWindow {
  private from: Sample | undefined;
  private until: Sample | undefined;
  private readonly pids: { server: number; database?: number | undefined };
  private readonly timers: NodeJS.Timeout[] = [];

  constructor(pids: { server: number; database?: number | undefined }) {
    this.pids = pids;
  }

  /** A window sampled `warmupMs` and `warmupMs + durationMs` from now, as `runTimed` measures. */
  static starting(pids: { server: number; database?: number | undefined }, warmupMs: number, durationMs: number) {
    const window = new CpuWindow(pids);
    window.timers.push(
      setTimeout(() => window.sample(), warmupMs),
      setTimeout(() => window.sample(), warmupMs + durationMs),
    );
    return window;
  }

  private read(): Sample {
    const client = process.cpuUsage();
    return {
      server: processCpuMs(this.pids.server),
      database: this.pids.database ? clusterCpuMs(this.pids.database) : 0,
      client: (client.user + client.system) / 1000,
      machine: machineCpuTicks(),
    };
  }

  /** Takes the window's first sample, then its last (a later call replaces the last). */
  sample(): void {
    if (this.from === undefined) {
      this.from = this.read();
    } else {
      this.until = this.read();
    }
  }

  /** Whether the window's end has been sampled. */
  get isClosed(): boolean {
    return this.until !== undefined;
  }

  /**
   * Ends the window — cancelling its timers and sampling now if the end timer has not fired (the
   * clients may stop just before it does) — and divides what was spent by `operations`.
   */
  close(operations: number): CpuPerOperation {
    this.cancel();
    if (!this.isClosed) {
      this.sample();
    }
    return this.perOperation(operations);
  }

  /** Cancels the window's timers (when the load failed and nothing will be divided). */
  cancel(): void {
    this.timers.forEach((timer) => clearTimeout(timer));
  }

  perOperation(operations: number): CpuPerOperation {
    const from = this.from ?? this.read();
    const until = this.until ?? this.read();
    const per = (ms: number) => Math.round((ms / Math.max(1, operations)) * 1000) / 1000;
    const ticks = until.machine.total - from.machine.total;
    return {
      serverMs: per(until.server - from.server),
      ...(this.pids.database ? { databaseMs: per(until.database - from.database) } : {}),
      clientMs: per(until.client - from.client),
      machineBusy: Math.round(((until.machine.busy - from.machine.busy) / Math.max(1, ticks)) * 1000) / 1000,
    };
  }
}
