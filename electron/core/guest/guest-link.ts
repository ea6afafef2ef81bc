import type { DockerTransport, Settings, SettingsKey } from '../../shared/types.js';
import { ensureDockerContext } from '../docker-context/docker-context.js';
import type { DockerForward } from '../docker-sock/forward-base.js';
import { MuxForwarder } from '../docker-sock/mux-forward.js';
import { DockerSocketForwarder } from '../docker-sock/ssh-forward.js';
import type { HypervisorDriver, SshEndpoint } from '../drivers/driver.js';
import { applyDaemonConfig } from '../engine/daemon-json.js';
import { applyDockerArgs } from '../engine/engine-flags.js';
import { syncGuestClock } from '../engine/guest-clock.js';
import { dockerTcpWarning } from '../../shared/warnings.js';
import { DliteError } from '../dlite-error.js';
import type { Logger } from '../log/logger.js';
import type { DlitePaths } from '../paths.js';
import { PublishedPortForwarder } from '../published-ports/port-forwarder.js';
import { hostKeyAlias, type SshTarget } from '../ssh/ssh-args.js';
import { SshClient } from '../ssh/ssh-client.js';
import type { GuestLink } from '../supervisor/ports.js';
import { createGuestExecutor } from './guest-executor.js';

export interface GuestLinkOptions {
  readonly paths: DlitePaths;
  readonly endpoint: SshEndpoint;
  readonly settings: Settings;
  readonly driver: HypervisorDriver;
  readonly logger: Logger;
  /**
   * `auto` (default): docker.sock goes over the hypervisor's Docker port when it has one and the
   * guest's agent answers, else over SSH. `ssh`: always SSH (`DLITE_DOCKER_TRANSPORT=ssh`).
   */
  readonly dockerTransport?: 'auto' | 'ssh';
  /** How long the guest's agent may take to answer on the Docker port, ms (default 15 s). */
  readonly dockerPortHandshakeMs?: number;
  /**
   * Where the transport serves the engine (default `paths.dockerSocket`); the daemon's front door
   * owns `paths.dockerSocket` then and passes its clients through (idle/socket-gate.ts).
   */
  readonly engineSocket?: string;
}

/** Delay between `/_ping` attempts while waiting for Docker, ms. */
const PING_INTERVAL_MS = 250;
/** How long the docker.sock forward may wait for the engine's first `/_ping`, ms. */
const FORWARD_TIMEOUT_MS = 180_000;

/**
 * The host side of one boot: one SSH ControlMaster connection under the guest executor (engine
 * configuration, clock), docker.sock (over the hypervisor's Docker port, else an SSH forward),
 * and (user-mode networking) the published-port forwarder.
 */
export function createGuestLink(o: GuestLinkOptions): GuestLink {
  const target: SshTarget & { readonly paths: DlitePaths } = {
    paths: o.paths,
    endpoint: o.endpoint,
    hostKeyAlias: hostKeyAlias(o.settings.uuid),
  };
  const ssh = new SshClient(target);
  const guest = createGuestExecutor(ssh);
  const log = (line: string): void => o.logger.info(line);
  const { driver } = o;
  const portKind = o.dockerTransport === 'ssh' ? 'none' : driver.info.features.dockerPort;
  const portSocket = portKind === 'none' ? undefined : driver.dockerPort?.();
  // With the daemon's front door (idle/socket-gate.ts) owning docker.sock, the transport serves
  // the engine on a socket of its own and the gate passes clients through.
  const served = { dockerSocket: o.engineSocket ?? o.paths.dockerSocket, runDir: o.paths.runDir };
  const sshForward = new DockerSocketForwarder({
    target: { ...target, paths: { ...o.paths, dockerSocket: served.dockerSocket } },
    log,
  });
  let forwarder: DockerForward = sshForward;
  let transport: DockerTransport | null = null;

  /** The Docker port when the guest serves it, else the SSH forward (logged either way). */
  const forwardDocker = async (signal: AbortSignal): Promise<void> => {
    if (portKind !== 'none' && portSocket !== undefined) {
      const mux = new MuxForwarder({
        channel: portSocket,
        kind: portKind,
        paths: served,
        handshakeTimeoutMs: o.dockerPortHandshakeMs ?? 15_000,
        log,
      });
      try {
        await mux.start(FORWARD_TIMEOUT_MS, signal);
        forwarder = mux;
        transport = portKind;
        log(`docker.sock served over the VM's Docker port (${portKind})`);
        return;
      } catch (e) {
        // Only a port nobody answers on falls back; a Docker that does not answer fails the start.
        if (signal.aborted || !(e instanceof DliteError) || e.code !== 'docker-unreachable') throw e;
        o.logger.warn(`the VM's Docker port did not work (${e.message}); forwarding docker.sock over SSH`);
      }
    }
    await sshForward.start(FORWARD_TIMEOUT_MS, signal);
    forwarder = sshForward;
    transport = 'ssh';
    log('docker.sock forwarded over SSH');
  };
  let ports: PublishedPortForwarder | null = null;

  const context = async (settings: Settings): Promise<void> => {
    const name = o.paths.dockerContext;
    const r = await ensureDockerContext(
      { name, socketPath: o.paths.dockerSocket },
      { use: settings.use_docker_context },
    );
    if (r.warning) o.logger.warn(r.warning);
    else o.logger.info(`docker context '${name}' ${r.status}${r.current ? ' (current)' : ''}`);
  };

  const startPortForwarding = async (): Promise<void> => {
    const forward = driver.forwardPort?.bind(driver);
    const unforward = driver.removeForward?.bind(driver);
    if (driver.info.features.networkMode !== 'user' || !forward || !unforward) return;
    ports = new PublishedPortForwarder({ api: forwarder.api, forward, unforward, log });
    await ports.start();
  };

  return {
    waitSsh: (timeoutMs, signal) => ssh.waitReady(timeoutMs, signal),
    // dockerd can take a while after an unclean shutdown (containerd cleanup) under TCG.
    forwardDocker,
    waitDocker: async (timeoutMs, signal) => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        signal.throwIfAborted();
        try {
          if ((await forwarder.api.ping({ timeoutMs: 5_000, signal })) === 'OK') return;
        } catch (e) {
          if (Date.now() > deadline) throw e;
        }
        await new Promise((r) => setTimeout(r, PING_INTERVAL_MS));
      }
    },
    transport: () => transport,
    pingEngine: (timeoutMs) =>
      forwarder.api.ping({ timeoutMs }).then(
        (body) => body === 'OK',
        () => false,
      ),
    configure: async (settings, signal) => {
      // Independent of each other: the engine's configuration (daemon.json, then DOCKER_ARGS, which
      // may restart dockerd), the guest clock and the host's docker context run side by side.
      const engine = async (): Promise<void> => {
        await applyDaemonConfig(guest, forwarder.api, settings, { signal });
        const args = await applyDockerArgs(guest, forwarder.api, settings.docker_args, { signal });
        if (args.changed) log(`dockerd restarted with docker_args: ${settings.docker_args.join(' ')}`);
      };
      const clock = async (): Promise<void> => {
        const r = await syncGuestClock(guest, signal);
        log(`guest clock set (was ${r.offsetBeforeMs} ms off)`);
      };
      const results = await Promise.allSettled([engine(), clock(), context(settings)]);
      const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) throw failed.reason;
      if (settings.docker_tcp) o.logger.warn(dockerTcpWarning(settings.share));
      await startPortForwarding();
    },
    applyLive: async (settings: Settings, keys: readonly SettingsKey[]) => {
      if (keys.includes('registry_mirrors')) {
        const r = await applyDaemonConfig(guest, forwarder.api, settings);
        log(`registry mirrors live: ${r.mirrors.join(', ') || '(none)'}`);
      }
      if (keys.includes('use_docker_context')) await context(settings);
    },
    syncClock: async () => {
      const r = await syncGuestClock(guest);
      log(`guest clock set (was ${r.offsetBeforeMs} ms off)`);
    },
    run: async (argv, timeoutMs) => {
      const r = await guest.exec(argv, { timeoutMs: timeoutMs ?? 60_000 });
      return { stdout: r.stdout, exitCode: r.exitCode };
    },
    runningContainers: async () => (await forwarder.api.listContainers({ timeoutMs: 10_000 })).length,
    close: async () => {
      await ports?.stop({ removeForwards: true }).catch(() => undefined);
      ports = null;
      await forwarder.stop();
      await ssh.close();
    },
  };
}
