import type { DockerTransport, VmStatus } from '../shared/types.js';
import type { CliContext, CliIo } from './context.js';
import { formatFigures, formatSleep } from './status-figures.js';
import { formatDegraded } from './privileged-prompt.js';

const TRANSPORT: Record<DockerTransport, string> = {
  'virtio-serial': "via the VM's Docker port, virtio-serial",
  vsock: "via the VM's Docker port, vsock",
  ssh: 'via an SSH forward',
};

const STATE_COLOUR: Record<VmStatus['state'], number> = {
  running: 32,
  starting: 33,
  stopping: 33,
  stopped: 90,
  error: 31,
  sleeping: 34,
};

/**
 * True when `dlite status` exits 0: Docker is there for the user. Running with the engine
 * answering, or sleeping (docker.sock is open and the next client wakes the VM).
 */
export function isHealthy(s: VmStatus): boolean {
  return (s.state === 'running' && s.engineUnresponsiveSince === null) || s.state === 'sleeping';
}

/** Colour for stdout: a terminal, `NO_COLOR` unset, `TERM` not `dumb`. */
function colour(io: CliIo): boolean {
  return io.isTty && !io.env['NO_COLOR'] && io.env['TERM'] !== 'dumb';
}

function duration(seconds: number): string {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  return h > 0 ? `${h} h ${m} min` : m > 0 ? `${m} min ${s} s` : `${s} s`;
}

/** `DhyveOS 0.1.0`, or `DhyveOS 0.1.0 (0.1.1 at the next start)` after an update. */
function osLine(s: VmStatus): string {
  const inUse = s.os.running ?? s.os.active;
  if (inUse === null) return 'not installed';
  return s.os.running !== null && s.os.active !== null && s.os.active !== s.os.running
    ? `DhyveOS ${s.os.running} (${s.os.active} at the next start)`
    : `DhyveOS ${inUse}`;
}

/** `dlite status` as lines of `label: value`. */
export function formatStatus(s: VmStatus, ctx: Pick<CliContext, 'io' | 'self'>): string[] {
  const word = s.state === 'sleeping' ? 'sleeping (wakes on use)' : s.state;
  const state = colour(ctx.io) ? `\x1b[${STATE_COLOUR[s.state]}m${word}\x1b[0m` : word;
  const lines = [`state:      ${state}`, `hostname:   ${s.hostname}`, `os:         ${osLine(s)}`];
  if (s.state === 'running') {
    const via = s.dockerTransport ? ` (${TRANSPORT[s.dockerTransport]})` : '';
    lines.push(
      `ip:         ${s.ip ?? '—'}`,
      `docker:     ${s.dockerEndpoint ?? '—'}${via}`,
      `hypervisor: ${s.hypervisor ?? '—'}`,
      `resources:  ${s.cpus} CPU, ${s.memoryGiB} GiB memory, ${s.diskGiB} GiB disk`,
      `uptime:     ${duration(s.uptimeSeconds ?? 0)}`,
    );
    if (s.engineUnresponsiveSince !== null) {
      const since = new Date(s.engineUnresponsiveSince);
      const seconds = Math.max(0, Math.round((Date.now() - since.getTime()) / 1000));
      lines.push(
        `engine:     unresponsive since ${since.toLocaleTimeString()} (${duration(seconds)}); '${ctx.self} restart' recovers it`,
      );
    }
  }
  lines.push(...formatSleep(s), ...formatFigures(s.resources ?? null));
  for (const line of formatDegraded(s.hostIntegration.degraded)) lines.push(line);
  if (s.hostIntegration.pending) {
    lines.push(
      `waiting:    ${s.hostIntegration.pending.title} (answer it in the Dlite app or with '${ctx.self} start')`,
    );
  }
  if (s.failure) {
    lines.push(`failed at:  ${s.failure.step}: ${s.failure.message}`);
    if (s.failure.lastCommand) lines.push(`command:    ${s.failure.lastCommand}`);
    if (s.failure.lastConsoleLines.length > 0) {
      lines.push('console:', ...s.failure.lastConsoleLines.map((l) => `  ${l}`));
    }
  }
  for (const p of s.problems) {
    lines.push(`${(p.severity === 'error' ? 'problem:' : 'warning:').padEnd(12)}${p.message}`);
  }
  lines.push(`daemon:     ${s.hostPid === null ? 'not running (read from the files)' : `pid ${s.hostPid}`}`);
  return lines;
}
