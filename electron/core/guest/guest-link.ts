import type { Settings, SettingsKey } from '../../shared/types.js';
import { ensureDockerContext } from '../docker/context.js';
import { applyDaemonConfig } from '../docker/daemon-config.js';
import { applyDockerArgs } from '../docker/docker-args.js';
import { type DockerForward, DockerSocketForwarder } from '../docker/forwarder.js';
import { MuxForwarder } from '../docker/mux-forwarder.js';
import { DockerError } from '../docker/docker-error.js';
import { PublishedPortForwarder } from '../docker/ports.js';
import { syncGuestClock } from '../docker/clock.js';
import { dockerTcpWarning } from '../docker/tcp-warning.js';
import type { HypervisorDriver, SshEndpoint } from '../drivers/driver.js';
import type { Logger } from '../log/logger.js';
import type { DlitePaths } from '../paths.js';
import { hostKeyAlias, type SshTarget } from '../ssh/ssh-args.js';
import { SshClient } from '../ssh/ssh-client.js';
import type { GuestLink } from '../supervisor/ports.js';

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
 * The host side of one boot: one SSH ControlMaster connection for commands, docker.sock (over the
 * hypervisor's Docker port, else an SSH forward), and (user-mode networking) the published-port
 * forwarder.
 */
export function createGuestLink(o: GuestLinkOptions): GuestLink {
  const target: SshTarget = {
    paths: o.paths,
    endpoint: o.endpoint,
    hostKeyAlias: hostKeyAlias(o.settings.uuid),
  };
  const ssh = new SshClient(target);
  const log = (line: string): void => o.logger.info(line);
  const served = { dockerSocket: o.engineSocket ?? o.paths.dockerSocket, runDir: o.paths.runDir };
  const sshForward = new DockerSocketForwarder({
    target: { ...target, paths: { ...o.paths, dockerSocket: served.dockerSocket } },
    log,
  });
  const port = o.dockerTransport === 'ssh' ? undefined : o.driver.dockerPort?.();
  let forwarder: DockerForward = sshForward;

  /** The Docker port when the guest serves it, else the SSH forward (logged either way). */
  const forwardDocker = async (signal: AbortSignal): Promise<void> => {
    if (port) {
      const mux = new MuxForwarder({
        channel: port,
        paths: served,
        handshakeTimeoutMs: o.dockerPortHandshakeMs ?? 15_000,
        log,
      });
      try {
        await mux.start(FORWARD_TIMEOUT_MS, signal);
        forwarder = mux;
        log("docker.sock served over the VM's Docker port (virtio-serial)");
        return;
      } catch (e) {
        // Only a port nobody answers on falls back; a Docker that does not answer fails the start.
        if (signal.aborted || !(e instanceof DockerError) || e.code !== 'docker-unreachable') throw e;
        o.logger.warn(`the VM's Docker port did not work (${e.message}); forwarding docker.sock over SSH`);
      }
    }
    await sshForward.start(FORWARD_TIMEOUT_MS, signal);
    forwarder = sshForward;
    log('docker.sock forwarded over SSH');
  };
  let ports: PublishedPortForwarder | null = null;

  const context = async (settings: Settings): Promise<void> => {
    const r = await ensureDockerContext(o.paths.dockerSocket, { use: settings.use_docker_context });
    if (r.warning) o.logger.warn(r.warning);
    else o.logger.info(`docker context 'dlite' ${r.status}${r.current ? ' (current)' : ''}`);
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
    configure: async (settings, signal) => {
      // Independent of each other: the engine's configuration (daemon.json, then DOCKER_ARGS, which
      // may restart dockerd), the guest clock and the host's docker context run side by side.
      const engine = async (): Promise<void> => {
        await applyDaemonConfig(ssh, forwarder.api, settings, { signal });
        const args = await applyDockerArgs(ssh, forwarder.api, settings.docker_args, { signal });
        if (args.changed) log(`dockerd restarted with docker_args: ${settings.docker_args.join(' ')}`);
      };
      const clock = async (): Promise<void> => {
        const r = await syncGuestClock(ssh, signal);
        log(`guest clock set (was ${r.offsetBeforeMs} ms off)`);
      };
      const results = await Promise.allSettled([engine(), clock(), context(settings)]);
      const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) throw failed.reason;
      if (settings.docker_tcp) o.logger.warn(dockerTcpWarning());
      const { driver } = o;
      if (driver.info.features.networkMode === 'user' && driver.forwardPort && driver.removeForward) {
        ports = new PublishedPortForwarder({
          api: forwarder.api,
          forward: (h, g) => driver.forwardPort!(h, g),
          unforward: (h) => driver.removeForward!(h),
          log,
        });
        await ports.start();
      }
    },
    applyLive: async (settings: Settings, keys: readonly SettingsKey[]) => {
      if (keys.includes('registry_mirrors')) {
        const r = await applyDaemonConfig(ssh, forwarder.api, settings);
        log(`registry mirrors live: ${r.mirrors.join(', ') || '(none)'}`);
      }
      if (keys.includes('use_docker_context')) await context(settings);
    },
    syncClock: async () => {
      const r = await syncGuestClock(ssh);
      log(`guest clock set (was ${r.offsetBeforeMs} ms off)`);
    },
    run: async (command, timeoutMs) => {
      const r = await ssh.exec(command, { timeoutMs: timeoutMs ?? 60_000 });
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
