import { lstat, readlink, stat } from 'node:fs/promises';
import path from 'node:path';

import type { DegradedFeatureDto, PrivilegedChangeDto } from '../../shared/types.js';
import type { RootSetupStep } from '../drivers/driver.js';
import type { Subnet } from '../drivers/vmnet/subnet.js';
import type { HelperCall } from '../privileged/helper.js';
import { DOCKER_SOCK_LINK } from '../privileged/ops.js';
import { readSystemFile } from '../privileged/system-file.js';
import { EXPORTS_FILE, exportConflicts, exportsBlockLines, type MapAll } from './exports.js';
import { dliteMarkers, HOSTS_FILE, hostsBlockLines, hostsConflicts } from './hosts.js';
import { ManagedBlockError, readManagedBlock } from './managed-block.js';

/** What the host should look like for this VM; a null part is left as it is. */
export interface DesiredHostState {
  readonly uuid: string;
  readonly hostname: string;
  /** The address the host name maps to (127.0.0.1 with user-mode networking, the VM's IP on vmnet). */
  readonly address: string | null;
  /** The NFS export of the share (xhyve). */
  readonly exports: { readonly share: string; readonly subnet: Subnet; readonly map: MapAll } | null;
  /** `/var/run/docker.sock` → `target` when `enabled`; our link removed when not. */
  readonly dockerSocketLink: { readonly target: string; readonly enabled: boolean } | null;
  /** Root set-up the hypervisor needs (xhyve's launcher). */
  readonly rootSetup: readonly RootSetupStep[];
}

/** One change the helper must make, with its explanation. */
export interface PlannedChange {
  readonly feature: DegradedFeatureDto['feature'];
  readonly call: HelperCall;
  readonly change: PrivilegedChangeDto;
  /** What does not work without it, one line. */
  readonly ifDeclined: string;
}

export interface HostPlan {
  readonly changes: readonly PlannedChange[];
  /** What cannot be fixed by a change of ours (another tool's line, a broken block). */
  readonly problems: readonly DegradedFeatureDto[];
}

async function linkTarget(file: string): Promise<'absent' | 'other' | { target: string; live: boolean }> {
  try {
    const st = await lstat(file);
    if (!st.isSymbolicLink()) return 'other';
    const target = await readlink(file);
    const live = await stat(file).then(
      () => true,
      () => false,
    );
    return { target, live };
  } catch {
    return 'absent';
  }
}

function brokenBlock(feature: DegradedFeatureDto['feature'], file: string, e: unknown): DegradedFeatureDto {
  const why = e instanceof ManagedBlockError ? e.message : (e as Error).message;
  return { feature, message: `${file} cannot be updated (${why}); fix it by hand` };
}

/**
 * The system-file changes that bring the host to `d`, reading the files under `root` ('/' except in
 * tests). Nothing already in place is planned again, so a second start plans nothing.
 */
export async function planHostChanges(d: DesiredHostState, root = '/'): Promise<HostPlan> {
  const changes: PlannedChange[] = [];
  const problems: DegradedFeatureDto[] = [];
  const markers = dliteMarkers(d.uuid);
  for (const s of d.rootSetup) {
    changes.push({
      feature: 'hypervisor-setup',
      call: [s.op, ...s.args],
      change: { file: s.files.join(', '), action: 'install', why: s.why },
      ifDeclined: 'xhyve cannot start without it: answer Continue next time, or use vfkit',
    });
  }
  if (d.address !== null) {
    try {
      const text = await readSystemFile(path.join(root, HOSTS_FILE));
      const lines = hostsBlockLines(d.hostname, d.address);
      if (JSON.stringify(readManagedBlock(text, markers)) !== JSON.stringify(lines)) {
        changes.push({
          feature: 'hostname',
          call: ['hosts-set', d.uuid, d.hostname, d.address],
          change: { file: HOSTS_FILE, action: `add "${lines[0]}"`, why: `so ${d.hostname} reaches the VM` },
          ifDeclined: `${d.hostname} does not resolve: use ${d.address} instead`,
        });
      }
      for (const c of hostsConflicts(text, d.uuid, d.hostname)) {
        problems.push({
          feature: 'hostname',
          message: `${HOSTS_FILE} line ${c.line} also maps ${d.hostname} ("${c.text}") and may win over Dlite's line; remove it`,
        });
      }
    } catch (e) {
      problems.push(brokenBlock('hostname', HOSTS_FILE, e));
    }
  }
  if (d.exports !== null) {
    const { share, subnet, map } = d.exports;
    try {
      const text = await readSystemFile(path.join(root, EXPORTS_FILE));
      const conflicts = exportConflicts(text, d.uuid, share);
      const lines = exportsBlockLines(share, subnet, map);
      if (conflicts.length > 0) {
        const c = conflicts[0]!;
        problems.push({
          feature: 'share',
          message: `${share} is not shared with the VM: ${EXPORTS_FILE} line ${c.line} ("${c.text}") already exports it; remove that line or change share`,
        });
      } else if (JSON.stringify(readManagedBlock(text, markers)) !== JSON.stringify(lines)) {
        changes.push({
          feature: 'share',
          call: ['exports-set', d.uuid, share, subnet.network, subnet.mask, String(map.uid), String(map.gid)],
          change: {
            file: EXPORTS_FILE,
            action: `export "${share}" to ${subnet.network}/${subnet.mask}`,
            why: `so the VM can mount ${share} over NFS (files it writes belong to you)`,
          },
          ifDeclined: `${share} is not mounted in the VM`,
        });
      }
    } catch (e) {
      problems.push(brokenBlock('share', EXPORTS_FILE, e));
    }
  }
  if (d.dockerSocketLink !== null) {
    const { target, enabled } = d.dockerSocketLink;
    const now = await linkTarget(path.join(root, DOCKER_SOCK_LINK));
    const ours = typeof now === 'object' && now.target === target;
    if (enabled && !ours) {
      if (now === 'other' || (typeof now === 'object' && now.live)) {
        problems.push({
          feature: 'docker-socket-link',
          message: `${DOCKER_SOCK_LINK} belongs to another program${typeof now === 'object' ? ` (→ ${now.target})` : ''}; Dlite leaves it alone: use DOCKER_HOST=unix://${target}`,
        });
      } else {
        changes.push({
          feature: 'docker-socket-link',
          call: ['docker-sock-link', target],
          change: {
            file: DOCKER_SOCK_LINK,
            action: `link to ${target}`,
            why: 'for tools that ignore Docker contexts',
          },
          ifDeclined: `${DOCKER_SOCK_LINK} does not reach Dlite: use DOCKER_HOST=unix://${target}`,
        });
      }
    } else if (!enabled && ours) {
      changes.push({
        feature: 'docker-socket-link',
        call: ['docker-sock-unlink', target],
        change: {
          file: DOCKER_SOCK_LINK,
          action: 'remove the link to Dlite',
          why: 'docker_socket_link was turned off',
        },
        ifDeclined: `${DOCKER_SOCK_LINK} still points to Dlite`,
      });
    }
  }
  return { changes, problems };
}
