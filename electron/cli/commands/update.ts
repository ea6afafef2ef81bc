import { isReleaseVersion } from '../../core/os-image/release-version.js';
import type { UpdateInfo, UpdateResult } from '../../shared/types.js';
import { UsageError, unwrap, using, type CliContext } from '../context.js';
import type { ParsedCommand } from '../parse.js';
import { createTransferView } from '../transfer-view.js';

/** What happened, and when the VM will use it: one to three lines. */
export function describeUpdate(r: UpdateResult, rolledBack = false): string[] {
  const lines = [
    r.status === 'unchanged'
      ? `DhyveOS ${r.version} is already the active version.`
      : rolledBack
        ? `Rolled back: DhyveOS ${r.version} is the active version.`
        : `DhyveOS ${r.version} is ${r.status === 'installed' ? 'installed and ' : ''}the active version.`,
  ];
  if (r.previousVersion !== null && r.status !== 'unchanged') {
    lines.push(`DhyveOS ${r.previousVersion} is kept: 'dlite update --rollback' switches back to it.`);
  }
  if (r.restartPending !== null) {
    lines.push(
      `The running VM keeps DhyveOS ${r.restartPending} until it restarts: run 'dlite restart' to boot ${r.version}.`,
    );
  } else if (r.status !== 'unchanged') {
    lines.push(`The next 'dlite start' boots it.`);
  }
  return lines;
}

export function describeCheck(info: UpdateInfo): string[] {
  const lines = [
    `channel:  ${info.channelUrl}`,
    `active:   ${info.currentVersion ?? '(none installed)'}${info.previousVersion ? ` (previous: ${info.previousVersion})` : ''}`,
  ];
  if (info.runningVersion !== null) lines.push(`running:  ${info.runningVersion}`);
  lines.push(
    `latest:   ${info.latestVersion ?? '—'}${info.available ? " — an update is available: run 'dlite update'" : ' — up to date'}`,
  );
  for (const s of info.skipped) lines.push(`skipped:  ${s}`);
  return lines;
}

/**
 * `dlite update [-v VERSION] [--rollback] [--check]`: installs the newest DhyveOS release (or
 * VERSION, or the pinned `os_version`) through the Dlite daemon, with progress, or switches back
 * to the previous one. The running VM keeps its version until it restarts.
 */
export async function updateCommand(cmd: ParsedCommand, ctx: CliContext): Promise<number> {
  const { io } = ctx;
  const version = cmd.options['os-version'] as string | undefined;
  const rollback = cmd.options['rollback'] === true;
  const check = cmd.options['check'] === true;
  if (version !== undefined && version !== 'latest' && !isReleaseVersion(version)) {
    throw new UsageError(
      `${ctx.self} update: --os-version must be a release version such as 0.2.0, got '${version}'`,
    );
  }
  if ([version !== undefined, rollback, check].filter(Boolean).length > 1) {
    throw new UsageError(`${ctx.self} update: use one of -v, --rollback and --check`);
  }
  return using(await ctx.host(), async (api) => {
    if (check) {
      for (const line of describeCheck(unwrap(await api.checkForUpdate()))) io.out(line);
      return 0;
    }
    if (rollback) {
      for (const line of describeUpdate(unwrap(await api.rollbackUpdate()), true)) io.out(line);
      return 0;
    }
    const view = createTransferView(io);
    const off = api.onProgress((p) => {
      if (p.operation === 'update') view.update(p);
    });
    try {
      // Give the event stream a moment to attach so the first steps are shown.
      await new Promise((r) => setTimeout(r, 50));
      const result = unwrap(await api.applyUpdate(version !== undefined ? { version } : {}));
      view.done();
      for (const line of describeUpdate(result)) io.out(line);
      return 0;
    } finally {
      off();
      view.done();
    }
  });
}
