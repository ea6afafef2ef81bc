import path from 'node:path';

import type { DlitePaths } from '../paths.js';
import { MAX_SOCKET_PATH } from '../paths.js';
import { quoteArg } from '../process/command-format.js';

/** The guest login Dlite uses (uid 1000, passwordless sudo, group docker). */
export const GUEST_USER = 'docker';

export interface SshTarget {
  readonly paths: Pick<DlitePaths, 'sshKey' | 'knownHosts' | 'runDir'>;
  /** Where the guest's sshd is reachable from the host (127.0.0.1:<forwarded port> with QEMU). */
  readonly endpoint: { readonly host: string; readonly port: number };
  /** Name the host key is pinned under in known_hosts; see {@link hostKeyAlias}. */
  readonly hostKeyAlias: string;
  readonly user?: string;
}

/**
 * The known_hosts name of one VM. Keyed by the VM uuid, not host:port, so the pin survives the
 * forwarded port changing between boots, and two Dlite homes never share a pin.
 */
export function hostKeyAlias(uuid: string): string {
  return `dlite-${uuid}`;
}

/**
 * argv (without the `ssh` binary) that logs into the guest non-interactively with Dlite's own key
 * only (no agent, no ~/.ssh/config identities). The host key is pinned on first contact
 * (`accept-new`); a changed key afterwards fails (see {@link describeSshFailure}).
 * `extraOptions` go before `--` and the destination; append the remote command after the result.
 */
export function sshBaseArgs(target: SshTarget, extraOptions: readonly string[] = []): string[] {
  const { paths, endpoint, hostKeyAlias: alias, user = GUEST_USER } = target;
  return [
    '-F',
    'none',
    '-i',
    paths.sshKey,
    '-o',
    'IdentitiesOnly=yes',
    '-o',
    'IdentityAgent=none',
    '-o',
    'BatchMode=yes',
    '-o',
    `UserKnownHostsFile=${paths.knownHosts}`,
    '-o',
    'GlobalKnownHostsFile=none',
    '-o',
    'StrictHostKeyChecking=accept-new',
    '-o',
    `HostKeyAlias=${alias}`,
    '-o',
    'LogLevel=ERROR',
    '-o',
    'ConnectTimeout=5',
    ...extraOptions,
    '-p',
    String(endpoint.port),
    '--',
    `${user}@${endpoint.host}`,
  ];
}

/** argv for `dlite ssh`: the same login with a terminal; append a command or nothing for a shell. */
export function sshInteractiveArgs(target: SshTarget): string[] {
  return sshBaseArgs(target, ['-t']);
}

/** Room `ssh` needs after the ControlPath for its temporary `.XXXXXXXXXXXXXXXX` suffix. */
const CONTROL_TEMP_SUFFIX = 17;
/** `%C` expands to a 40-character hex hash. */
const CONTROL_NAME_LENGTH = 'ssh-'.length + 40;

/**
 * The ControlMaster socket path (`<runDir>/ssh-%C`), or null when the expanded path would not fit
 * in a unix socket address; callers then run without connection sharing.
 */
export function controlPath(paths: Pick<DlitePaths, 'runDir'>): string | null {
  const expanded = Buffer.byteLength(paths.runDir) + 1 + CONTROL_NAME_LENGTH + CONTROL_TEMP_SUFFIX;
  return expanded > MAX_SOCKET_PATH ? null : path.join(paths.runDir, 'ssh-%C');
}

/**
 * Options that share one persistent connection per VM between execs (MUST be paired with `-O exit`).
 * A keepalive every 30 s (a dead connection is dropped after 90 s; a VM that exits closes it at
 * once): each one wakes the guest's sshd to decrypt and answer, ~25 ms of emulated CPU under TCG,
 * so every 5 s cost 0.5 % of a core while idle.
 */
export function controlMasterOptions(controlSocket: string): string[] {
  return [
    '-o',
    'ControlMaster=auto',
    '-o',
    `ControlPath=${controlSocket}`,
    '-o',
    'ControlPersist=yes',
    '-o',
    'ServerAliveInterval=30',
    '-o',
    'ServerAliveCountMax=3',
  ];
}

/**
 * The remote command line ssh hands to the guest's login shell. An argv array is quoted element by
 * element so it arrives verbatim; a string is passed as a shell command line, unchanged.
 */
export function remoteCommand(command: readonly string[] | string): string {
  if (typeof command === 'string') return command;
  if (command.length === 0) throw new Error('remote command is empty');
  return command.map(quoteArg).join(' ');
}

/**
 * One actionable line for a failed ssh invocation (exit 255), from its stderr.
 * A changed host key names the alias and the known_hosts file to edit.
 */
export function describeSshFailure(
  stderr: string,
  target: Pick<SshTarget, 'hostKeyAlias' | 'endpoint'> & { paths: Pick<DlitePaths, 'knownHosts' | 'sshKey'> },
): string {
  if (/REMOTE HOST IDENTIFICATION HAS CHANGED|Host key verification failed/i.test(stderr)) {
    return (
      `The VM's SSH host key changed; run 'dlite uninstall' or remove the line for ` +
      `${target.hostKeyAlias} from ${target.paths.knownHosts}`
    );
  }
  const where = `${target.endpoint.host}:${target.endpoint.port}`;
  if (/Permission denied/i.test(stderr)) {
    return `The VM refused Dlite's SSH key ${target.paths.sshKey} at ${where}; restart the VM so it receives the key`;
  }
  if (/Connection refused|Connection reset|timed out|Connection closed|kex_exchange/i.test(stderr)) {
    return `The VM's SSH server at ${where} is not answering yet`;
  }
  const last = stderr.trim().split('\n').at(-1)?.trim();
  return `ssh to the VM at ${where} failed${last ? `: ${last}` : ''}`;
}
