import path from 'node:path';

import type { SettingsPatch } from '../../shared/types.js';
import { readVmnetSubnet, type Subnet } from '../drivers/vmnet/subnet.js';
import type { Logger } from '../log/logger.js';
import type { DlitePaths } from '../paths.js';
import type { HostIntegrationPort } from '../supervisor/ports.js';
import { integrateHost } from './host-integration.js';
import type { DesiredHostState } from './plan.js';
import { PrivilegedQuestions } from './questions.js';
import { createSystemRunner, type HelperCommand, type PrivilegedRunner } from './runner.js';
import { sudoPromptExec } from './sudo-prompt.js';

/** The address a user-mode-networking VM answers on from the host (QEMU's published ports). */
export const LOOPBACK = '127.0.0.1';

/**
 * `dlite-helper.js` next to the running CLI bundle, run by this process's Node (Electron runs as
 * Node with ELECTRON_RUN_AS_NODE).
 */
export function helperCommandFor(env: NodeJS.ProcessEnv): HelperCommand {
  const entry = env['DLITE_CLI_ENTRY'] ?? process.argv[1] ?? '';
  return {
    node: process.execPath,
    script: path.join(path.dirname(path.resolve(entry)), 'dlite-helper.js'),
    ...(process.versions.electron ? { env: { ELECTRON_RUN_AS_NODE: '1' } } : {}),
  };
}

export interface HostIntegrationOptions {
  readonly paths: DlitePaths;
  readonly logger: Logger;
  readonly env: NodeJS.ProcessEnv;
  /** Saves a settings change ("Don't ask again" sets `privileged_changes: never`). */
  readonly saveSettings: (patch: SettingsPatch) => Promise<void>;
  /** Default: the helper next to the CLI, silently when root or `sudo -n` works, else sudo-prompt. */
  readonly runner?: PrivilegedRunner;
  /** Where the system files are read (tests); the helper has its own, fixed at bundle time. */
  readonly root?: string;
  /** vmnet's subnet (default: read from the vmnet preferences). */
  readonly subnet?: () => Promise<Subnet>;
  readonly questions?: PrivilegedQuestions;
}

/**
 * The host integration of one Dlite home. Before the boot: what must exist by then (a hypervisor's
 * root set-up, the NFS export the guest mounts at boot) and, under user-mode networking, the hosts
 * line (127.0.0.1) and the docker.sock link. Once a vmnet VM has its address: the hosts line and the
 * link, so vfkit's first start asks once. (xhyve's very first start asks twice: its root set-up and
 * export before the boot, the hosts line after; later starts ask nothing while the IP stays.)
 */
export function createHostIntegration(o: HostIntegrationOptions): HostIntegrationPort {
  const questions = o.questions ?? new PrivilegedQuestions();
  const runner = o.runner ?? createSystemRunner(helperCommandFor(o.env), sudoPromptExec);
  const subnet = o.subnet ?? (() => readVmnetSubnet());
  return {
    questions,
    integrate: async (phase, { settings, driver, cfg, address }, signal) => {
      const features = driver.info.features;
      const link = { target: o.paths.dockerSocket, enabled: settings.docker_socket_link };
      let desired: DesiredHostState;
      if (phase === 'address') {
        if (features.networkMode !== 'vmnet' || address === null) {
          return { applied: [], degraded: [], asked: false };
        }
        desired = {
          uuid: settings.uuid,
          hostname: settings.hostname,
          address,
          exports: null,
          dockerSocketLink: link,
          rootSetup: [],
        };
      } else {
        desired = {
          uuid: settings.uuid,
          hostname: settings.hostname,
          address: features.networkMode === 'user' ? LOOPBACK : null,
          exports:
            features.shareType === 'nfs'
              ? {
                  share: settings.share,
                  subnet: await subnet(),
                  map: { uid: process.getuid?.() ?? 501, gid: process.getgid?.() ?? 20 },
                }
              : null,
          dockerSocketLink: features.networkMode === 'user' ? link : null,
          rootSetup: (await driver.rootSetup?.(cfg)) ?? [],
        };
      }
      return integrateHost(
        desired,
        settings.privileged_changes,
        {
          runner,
          questions,
          logger: o.logger,
          neverAskAgain: () => o.saveSettings({ privileged_changes: 'never' }),
          ...(o.root ? { root: o.root } : {}),
        },
        signal,
      );
    },
  };
}
