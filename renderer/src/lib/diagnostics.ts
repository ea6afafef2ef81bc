import type { AppInfo } from '../../../electron/shared/app-types.js';
import type { HostInfo, LogLine, VmStatus } from '../../../electron/shared/types.js';
import { failureTitle } from './states.js';

export interface DiagnosticsInput {
  readonly status: VmStatus;
  readonly host: HostInfo | null;
  readonly app: AppInfo | null;
  readonly log: readonly LogLine[];
  readonly now: Date;
}

/**
 * The text "Copy diagnostics" puts on the clipboard (pure): what failed, the message, the last
 * command, the VM and host, the guest console tail and the daemon log tail.
 */
export function buildDiagnostics({ status, host, app, log, now }: DiagnosticsInput): string {
  const f = status.failure;
  const lines = [`Dlite diagnostics, ${now.toISOString()}`];
  if (app) lines.push(`App: Dlite ${app.version}`);
  lines.push(`State: ${status.state}`);
  if (f) {
    lines.push(`Failed: ${failureTitle(f.step)} (step ${f.step})`, `Message: ${f.message}`);
    if (f.lastCommand) lines.push(`Last command: ${f.lastCommand}`);
  }
  lines.push(
    `VM: ${status.hypervisor ?? 'no hypervisor'}, ${status.cpus} CPU, ${status.memoryGiB} GiB memory, ${status.diskGiB} GiB disk, hostname ${status.hostname}`,
  );
  if (host) {
    lines.push(
      `Host: ${host.platform} ${host.arch}, ${host.cpus} cores, ${host.memoryGiB} GiB, home ${host.home}`,
    );
  }
  const consoleLines = f?.lastConsoleLines ?? [];
  lines.push('', `Guest console (last ${consoleLines.length} lines):`, ...consoleLines);
  lines.push(
    '',
    `Dlite log (last ${log.length} lines):`,
    ...log.map((l) => (l.time ? `${l.time} ${l.text}` : l.text)),
  );
  return `${lines.join('\n')}\n`;
}
